// A typed example client: one real session against a running medtracker, as a frontend would
// drive it. Register, create a medication, log a dose, create a symptom type and log a symptom,
// read the landing summary and the passport, log out.
//
//   MEDTRACKER_URL=http://localhost:8000 node dist/flow.js
//
// It prints each step and exits non-zero on the first unexpected status.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "../../../openapi/schema.js";

type Problem = components["schemas"]["Problem"];

const baseUrl = process.env.MEDTRACKER_URL ?? "http://localhost:8000";
const { hostname } = new URL(baseUrl);
if (!["localhost", "127.0.0.1", "[::1]"].includes(hostname)) {
  // This example creates accounts and data: keep it off real servers.
  fail(`MEDTRACKER_URL must point at this machine (localhost), not ${hostname}`);
}

/**
 * Node's fetch keeps no cookie jar (a browser does, with `credentials: "include"`), so this
 * middleware keeps the `session` cookie: it remembers what `Set-Cookie` says and sends it back.
 */
function cookieJar(): Middleware & { has(name: string): boolean } {
  const jar = new Map<string, string>();
  return {
    has: (name) => jar.has(name),
    onRequest({ request }) {
      if (jar.size > 0) {
        const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
        request.headers.set("Cookie", cookie);
      }
      return request;
    },
    onResponse({ response }) {
      for (const line of response.headers.getSetCookie()) {
        const [pair = "", ...attributes] = line.split(";");
        const eq = pair.indexOf("=");
        if (eq <= 0) continue;
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        const cleared = attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
        if (cleared || value === "") jar.delete(name);
        else jar.set(name, value);
      }
      return response;
    },
  };
}

const jar = cookieJar();
const api = createClient<paths>({ baseUrl });
api.use(jar);

function fail(message: string): never {
  console.error(`FAILED: ${message}`);
  process.exit(1);
}

/** Stops the flow unless the call answered `expected`; returns its body. */
function expect<T>(
  step: string,
  result: { data?: T; error?: unknown; response: Response },
  expected: number,
): T {
  const { status } = result.response;
  if (status !== expected) {
    const problem = result.error as Partial<Problem> | undefined;
    const why =
      status === 404 && problem?.code === "not_found"
        ? "the server has no such route (has it landed?) or no such record"
        : `${problem?.code ?? "?"}: ${problem?.detail ?? JSON.stringify(result.error)}`;
    fail(`${step}: expected ${expected}, got ${status} (${why})`);
  }
  console.log(`ok  ${step} -> ${status}`);
  return result.data as T;
}

const email = `flow-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
const password = "violet harbour engine 42";

const registered = expect(
  "POST /auth/register",
  await api.POST("/auth/register", {
    body: { email, password, display_name: "Flow", timezone: "Europe/Berlin" },
  }),
  201,
);
if (!jar.has("session")) fail("POST /auth/register set no session cookie");
console.log(`    signed in as ${registered.user.email} (${registered.user.timezone})`);

const medication = expect(
  "POST /api/v1/medications",
  await api.POST("/api/v1/medications", {
    body: { name: "Ibuprofen", dosage: "400 mg", form: "tablet", frequency: "as needed" },
  }),
  201,
);
console.log(`    medication ${medication.name} ${medication.dosage ?? ""} (${medication.id})`);

const dose = expect(
  "POST /api/v1/logs/medications",
  await api.POST("/api/v1/logs/medications", {
    body: { medication_id: medication.id, dose_amount: 400, dose_unit: "mg", effectiveness: 4 },
  }),
  201,
);
console.log(`    took ${dose.medication_name} at ${dose.taken_at}`);

const headache = expect(
  "POST /api/v1/symptom-types",
  await api.POST("/api/v1/symptom-types", {
    body: { name: "Headache", category: "pain" },
  }),
  201,
);
console.log(`    symptom type ${headache.name} (${headache.id})`);

const symptom = expect(
  "POST /api/v1/logs/symptoms",
  await api.POST("/api/v1/logs/symptoms", {
    body: { symptom_type_id: headache.id, severity: 6, duration_minutes: 45, notes: "after lunch" },
  }),
  201,
);
console.log(
  `    felt ${symptom.symptom_name}: ${symptom.severity_label} (${symptom.severity}), ` +
    `${symptom.duration_minutes ?? "ongoing"} min`,
);

const summary = expect("GET /api/v1/summary", await api.GET("/api/v1/summary"), 200);
const counts = summary.counts_today;
console.log(
  `    today: ${counts.medication_logs} dose(s), ${counts.symptom_logs} symptom(s); ` +
    `${summary.feel.summary}`,
);
if (counts.medication_logs < 1 || counts.symptom_logs < 1) {
  fail("GET /api/v1/summary does not count the dose and the symptom just logged");
}

const passport = expect("GET /api/v1/passport", await api.GET("/api/v1/passport"), 200);
console.log(`    passport of ${passport.conditions.length} condition(s), made ${passport.generated_at}`);

expect("POST /auth/logout", await api.POST("/auth/logout"), 204);
if (jar.has("session")) fail("POST /auth/logout did not clear the session cookie");

// The session is gone on the server too, not only from this client.
expect("GET /api/v1/me after logout", await api.GET("/api/v1/me"), 401);
console.log("flow passed");
