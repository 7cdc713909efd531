/**
 * `certs renew --if-expiring [--window DAYS]` as the user runs it, on temp `--root` trees: only what `certs
 * check` reports as expiring is renewed (openssl verifies the new ones), valid ones are left byte for byte,
 * a run with nothing due is a no-op, and the CA's own expiry is reported and never acted on.
 */
import assert from "node:assert/strict";
import { HostRoot } from "../../lib/host/fs.ts";
import { gatherFacts } from "../../lib/host/facts.ts";
import { hostSans } from "../../lib/pki/hostsans.ts";
import { pkiPaths } from "../../lib/pki/layout.ts";

import { runEtcdup } from "../shipping/etcdup_cmd.ts";
import { addClient, events, hostRoot, openssl, planOn, request, writeOn } from "./helpers.ts";

const P = pkiPaths("etcd", "/etc/etcd/pki");
const DAY = 86_400_000;

/** The contents of every file under the PKI dir except backups, by path. */
function snapshot(host: HostRoot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of Deno.readDirSync(host.resolve(P.dir))) {
    if (e.isFile) out[e.name] = host.readText(`${P.dir}/${e.name}`)!;
  }
  return out;
}

Deno.test("certs renew --if-expiring renews only the expiring server and client, then is a no-op", async () => {
  const t = await hostRoot("pkitest");
  try {
    const past = new Date(Date.now() - 350 * DAY); // 365-day certificates with 15 days left
    const names = hostSans(gatherFacts(t.host));
    writeOn(
      await planOn(request({ memberName: "pkitest", sans: names, now: past, reissue: ["server"] }), t.host),
      t.host,
      past,
    );
    await addClient(t.host, "backup", past, 365);
    await addClient(t.host, "mon", new Date(), 365);
    const before = snapshot(t.host);

    const r = await runEtcdup(["certs", "renew", "--if-expiring", "--root", t.root, "--json"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = events(r.stdout).find((e) => e.event === "result")!.result as { renewed: string[] };
    assert.deepEqual(result.renewed.sort(), ["backup", "server"]);
    const after = snapshot(t.host);
    for (const f of ["server.crt", "backup.crt"]) assert.notEqual(after[f], before[f], `${f} renewed`);
    for (
      const f of ["ca.crt", "ca.key", "peer.crt", "peer.key", "admin.crt", "admin.key", "mon.crt", "mon.key"]
    ) {
      assert.equal(after[f], before[f], `${f} left alone`);
    }
    for (const f of ["server.crt", "backup.crt"]) {
      assert.match(
        await openssl("verify", "-CAfile", t.host.resolve(P.caCert), t.host.resolve(`${P.dir}/${f}`)),
        /OK/,
      );
    }

    const again = await runEtcdup(["certs", "renew", "--if-expiring", "--root", t.root]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing expires within 30 days: no certificate renewed, etcd not restarted/);
    assert.deepEqual(snapshot(t.host), after, "the no-op run wrote nothing");
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs renew --if-expiring --window widens the window; the CA's expiry is reported, never renewed", async () => {
  const t = await hostRoot("pkitest", { caDays: 40, certDays: 35 });
  try {
    const before = snapshot(t.host);
    const none = await runEtcdup(["certs", "renew", "--if-expiring", "--window", "20", "--root", t.root]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /nothing expires within 20 days/);
    assert.deepEqual(snapshot(t.host), before);

    const r = await runEtcdup([
      "certs",
      "renew",
      "--if-expiring",
      "--window",
      "60",
      "--cert-days",
      "38",
      "--root",
      t.root,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const ev = events(r.stdout);
    const warning = ev.find((e) => e.event === "warning" && /the CA/.test(String(e.message)));
    assert.match(String(warning?.message), /expires in 3\d days: etcdup never renews it .*certs rotate-ca/);
    const result = ev.find((e) => e.event === "result")!.result as { renewed: string[] };
    assert.deepEqual(result.renewed.sort(), ["admin", "peer", "server"]);
    const after = snapshot(t.host);
    assert.equal(after["ca.crt"], before["ca.crt"]);
    assert.equal(after["ca.key"], before["ca.key"]);
  } finally {
    await t.cleanup();
  }
});

Deno.test("certs renew: --if-expiring takes no names, --window needs --if-expiring, a bad window exits 2", async () => {
  const t = await hostRoot("pkitest");
  try {
    const cases: [string[], string][] = [
      [["--if-expiring", "server"], "if-expiring-with-names"],
      [["--window", "10"], "window-without-if-expiring"],
      [["--if-expiring", "--window", "soon"], "bad-number"],
    ];
    for (const [args, code] of cases) {
      const r = await runEtcdup(["certs", "renew", ...args, "--root", t.root, "--json"]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      const err = [...events(r.stdout), ...events(r.stderr)].find((e) => e.event === "error");
      assert.equal(err?.code, code, args.join(" "));
    }
  } finally {
    await t.cleanup();
  }
});
