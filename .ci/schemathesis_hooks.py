"""Schemathesis hooks for scripts/contract-check.sh: the rules of the list operations that JSON
Schema cannot state, so that those operations can be fuzzed without accepting 422.

- A `cursor` must be one the server gave out. The document declares its form (1 to 128 unpadded
  base64url characters); a generated value of that form is swapped for a real cursor derived
  from it. A value that does not fit the form is sent as generated, so a schema that allows more
  than the server reads still fails the run.
- `to` may not be before `from`: a generated pair in the wrong order is sent swapped.
- `/doses` answers at most 92 days and 10 000 doses: a generated range of dates is cut to its
  first week (the fuzzing account's schedules cannot plan 10 000 doses in a week), and a missing
  end takes the other end's date, since the default (today) may lie years away from it.
"""

import base64
import datetime
import hashlib
import re
import uuid

import schemathesis

LOG_LISTS = {"list_medication_logs", "list_symptom_logs"}
DOSES = "list_doses"
DOSES_DAYS = 7
CURSOR_FORM = re.compile(r"[A-Za-z0-9_-]{1,128}")
TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))"
)


def real_cursor(generated: str) -> str:
    """A cursor as the server makes them (`v1:<millis>:<uuid>`), varied by the generated value."""
    digest = hashlib.sha256(generated.encode()).digest()
    millis = int.from_bytes(digest[:5], "big")
    text = f"v1:{millis}:{uuid.UUID(bytes=digest[16:])}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def days_from_civil(year: int, month: int, day: int) -> int:
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def instant(text: str):
    """Seconds since the epoch of an RFC 3339 time (any year), or None."""
    match = TIMESTAMP.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = float(match.group(7) or 0)
    seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    if match.group(8):
        offset = int(match.group(9)) * 3600 + int(match.group(10)) * 60
        seconds -= offset if match.group(8) == "+" else -offset
    return seconds + fraction


def civil_date(text):
    """A `YYYY-MM-DD` date, or None."""
    if not isinstance(text, str) or len(text) != 10:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def log_list(query: dict) -> None:
    cursor = query.get("cursor")
    if isinstance(cursor, str) and CURSOR_FORM.fullmatch(cursor):
        query["cursor"] = real_cursor(cursor)
    start, end = query.get("from"), query.get("to")
    if isinstance(start, str) and isinstance(end, str):
        start_at, end_at = instant(start), instant(end)
        if start_at is not None and end_at is not None and end_at < start_at:
            query["from"], query["to"] = end, start


def dose_range(query: dict) -> None:
    start, end = civil_date(query.get("from")), civil_date(query.get("to"))
    if start is None and end is None:
        return
    start, end = start or end, end or start
    start, end = min(start, end), max(start, end)
    if (end - start).days >= DOSES_DAYS:
        week = datetime.timedelta(days=DOSES_DAYS - 1)
        end = start + week if start <= datetime.date.max - week else end
        start = end - week
    query["from"], query["to"] = start.isoformat(), end.isoformat()


@schemathesis.hook
def map_case(context, case):
    if context.operation is None:
        return case
    operation = context.operation.definition.raw.get("operationId")
    query = case.query
    if not isinstance(query, dict):
        return case
    if operation in LOG_LISTS:
        log_list(query)
    elif operation == DOSES:
        dose_range(query)
    return case
