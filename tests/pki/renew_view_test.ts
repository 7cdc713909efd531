/** `certs renew --dry-run`'s words for a plan (lib/commands/certs/renew_view.ts): reasons, SAN changes, files. */
import assert from "node:assert/strict";
import { describeRenew, renewDryRunData } from "../../lib/commands/certs/renew_view.ts";
import type { RenewPlan } from "../../lib/commands/certs/renew_plan.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";

const paths = pkiPaths("etcd", "/etc/etcd/pki");
const file = (path: string, role: string, action: "keep" | "replace") => ({
  path,
  role,
  action,
  content: "",
  owner: "root" as const,
  mode: 0o644,
});

const plan: RenewPlan = {
  nothingDue: false,
  asked: ["server"],
  reasons: [{
    name: "server",
    why: "named on the command line",
    planner: "reissued server: SAN drift (new newname)",
    sans: { added: ["newname"], dropped: ["oldname"] },
  }],
  pki: {
    paths,
    files: [
      file(paths.caCert, "ca-cert", "keep"),
      file(paths.serverKey, "server-key", "replace"),
      file(paths.serverCert, "server-cert", "replace"),
    ],
    notes: ["kept valid CA", "reissued server: SAN drift (new newname)"],
    changed: true,
  },
  warnings: [],
};
const restart = { "no-restart": true, "health-timeout": 60_000 };

Deno.test("certs renew --dry-run text: why each certificate is reissued, its SAN change, every file written", () => {
  assert.deepEqual(describeRenew(plan, restart).split("\n"), [
    "Would renew:",
    "  server: named on the command line (reissued server: SAN drift (new newname)); SANs +newname -oldname",
    "Would write:",
    "  replace   /etc/etcd/pki/server.key",
    "  replace   /etc/etcd/pki/server.crt",
    "(the replaced files kept under <pki-dir>/backup/<UTC time>/)",
    "etcd is not restarted (--no-restart): restart it to load the new files",
  ]);
  assert.deepEqual(renewDryRunData(plan, restart).changes, [
    { path: paths.serverKey, role: "server-key", action: "replace" },
    { path: paths.serverCert, role: "server-cert", action: "replace" },
  ]);
  const none = { ...plan, nothingDue: true, window: 30, reasons: [], asked: [] };
  assert.match(describeRenew(none, restart), /^nothing expires within 30 days: would renew no certificate/);
  assert.equal(renewDryRunData(none, restart).restart, false);
});
