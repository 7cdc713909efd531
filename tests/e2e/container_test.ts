/** The container harness itself: boots a real systemd, runs commands inside, survives a reboot, dies on kill. */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { Container } from "./harness/container.ts";
import { exec } from "../support/exec.ts";

Deno.test("container: boot, exec, hostname and localhost, reboot keeps the disk, destroy leaves nothing", async () => {
  const ct = await Container.boot({ name: "harness", hostname: "node-a" });
  try {
    assertMatch(await ct.execOk(["systemctl", "is-system-running"]), /^(running|degraded)\n$/);
    assertEquals((await ct.execOk(["hostname"])).trim(), "node-a");
    assertMatch(await ct.execOk(["getent", "hosts", "localhost"]), /^(127\.0\.0\.1|::1)\s+localhost/);
    assertEquals((await ct.exec(["sh", "-c", "cat; exit 3"], { input: "in" })).stdout, "in");
    await Deno.writeTextFile(ct.path("/root/marker"), "kept");
    const before = ct.init;
    await ct.reboot();
    assertEquals(ct.init !== before, true, "a new init after reboot");
    assertEquals(await ct.execOk(["cat", "/root/marker"]), "kept");
    await ct.kill();
  } finally {
    await ct.destroy();
  }
  assertEquals((await exec(["findmnt", ct.rootfs])).code, 1, "overlay unmounted");
});
