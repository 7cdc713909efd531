/** The network harness: a container in one host namespace reaches a listener in another over the bridge. */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { Network } from "./harness/network.ts";
import { Container } from "./harness/container.ts";
import { exec } from "../support/exec.ts";

Deno.test("network: two host namespaces on one bridge; a container uses its host's address", async () => {
  const net = await Network.create();
  let ct: Container | undefined;
  let listener: Deno.ChildProcess | undefined;
  const names: string[] = [];
  try {
    const [a, b] = [await net.addHost(), await net.addHost()];
    names.push(a.netns, b.netns);
    assertEquals([a.address, b.address], ["10.88.0.11", "10.88.0.12"]);
    const serve = `const l = Deno.listen({ hostname: "${a.address}", port: 7000 }); console.log("up");` +
      `const c = await l.accept(); await c.write(new TextEncoder().encode("hello")); c.close(); l.close();`;
    listener = new Deno.Command("ip", {
      args: ["netns", "exec", a.netns, Deno.execPath(), "eval", serve],
      stdout: "piped",
    }).spawn();
    const reader = listener.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assertEquals((await reader.read()).value, "up\n");
    reader.releaseLock();
    ct = await Container.boot({ name: "net", netns: b.netns });
    assertMatch(await ct.execOk(["cat", "/proc/net/fib_trie"]), /10\.88\.0\.12/);
    const got = await ct.execOk(["bash", "-c", `exec 3<>/dev/tcp/${a.address}/7000; cat <&3`]);
    assertEquals(got, "hello");
  } finally {
    await ct?.destroy();
    if (listener) {
      await listener.stdout.cancel().catch(() => {});
      await listener.status;
    }
    await net.destroy();
  }
  const left = (await exec(["ip", "netns", "list"])).stdout;
  assertEquals(names.filter((n) => left.includes(n)), []);
});
