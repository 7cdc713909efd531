/** Host facts: FQDN from /etc/hosts, routable addresses only, IPv4 first. */
import assert from "node:assert/strict";
import { fqdnFromHosts, gatherFacts, isLocalOnly, routableAddresses } from "../../lib/host/facts.ts";
import { HostRoot } from "../../lib/host/fs.ts";

Deno.test("facts: the FQDN comes from a hosts line naming the host", () => {
  const hosts =
    "127.0.0.1 localhost\n10.0.0.5 node1.example.com node1 # main\n10.0.0.6 other.example.com other\n";
  assert.equal(fqdnFromHosts(hosts, "node1"), "node1.example.com");
  assert.equal(fqdnFromHosts(hosts, "nope"), undefined);
  assert.equal(fqdnFromHosts("# node1.example.com node1\n", "node1"), undefined);
});

Deno.test("facts: loopback, link-local and duplicates are dropped, IPv4 first", () => {
  const got = routableAddresses([
    { address: "fe80::1%eth0", family: "IPv6" },
    { address: "fd00::5", family: "IPv6" },
    { address: "127.0.0.1", family: "IPv4" },
    { address: "10.0.0.5", family: "IPv4" },
    { address: "169.254.1.1", family: "IPv4" },
    { address: "10.0.0.5", family: "IPv4" },
    { address: "::1", family: "IPv6" },
  ]);
  assert.deepEqual(got, [{ address: "10.0.0.5", family: "IPv4" }, { address: "fd00::5", family: "IPv6" }]);
  assert.equal(isLocalOnly("FE80::abcd"), true);
  assert.equal(isLocalOnly("192.168.1.1"), false);
});

Deno.test("facts: under --root the host name is the image's /etc/hostname", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/etc`);
    Deno.writeTextFileSync(`${dir}/etc/hostname`, "imagehost\n");
    Deno.writeTextFileSync(`${dir}/etc/hosts`, "10.1.1.1 imagehost.corp.example imagehost\n");
    const facts = gatherFacts(new HostRoot(dir));
    assert.equal(facts.hostname, "imagehost");
    assert.equal(facts.fqdn, "imagehost.corp.example");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
