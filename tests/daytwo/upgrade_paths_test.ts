import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { checkUpgradePath } from "../../lib/daytwo/upgrade_paths.ts";
import { refusedWith } from "../support/refusal.ts";

Deno.test("same version, patch upgrades and single-minor upgrades are allowed", () => {
  assertEquals(checkUpgradePath("v3.5.30", "3.5.30").kind, "same");
  assertEquals(checkUpgradePath("v3.5.30", "v3.5.33").kind, "patch");
  assertEquals(checkUpgradePath("v3.5.32", "v3.6.6").kind, "minor");
  assertEquals(checkUpgradePath("v3.6.11", "v3.7.0").kind, "minor");
  const step = checkUpgradePath("v3.4.23", "v3.5.30");
  assertEquals([step.from, step.to, step.kind], ["v3.4.23", "v3.5.30", "minor"]);
  assertEquals(step.notes.length, 1, "3.4 has no enforced minimum, only etcd's recommendation");
});

Deno.test("skipping a minor is refused with the way forward", () => {
  const e = refusedWith(() => checkUpgradePath("v3.4.23", "v3.6.6"), "unsupported-upgrade-path");
  assertEquals(e.hint?.includes("latest-3.5"), true, e.hint ?? "");
  refusedWith(() => checkUpgradePath("v3.5.40", "v4.0.0"), "unsupported-upgrade-path");
});

Deno.test("a minor jump below etcd's documented minimum patch is refused", () => {
  const e = refusedWith(() => checkUpgradePath("v3.5.30", "v3.6.6"), "minimum-patch-required");
  assertEquals(e.message.includes("v3.5.32"), true, e.message);
  assertEquals(e.message.includes("https://etcd.io/docs/"), true, e.message);
  refusedWith(() => checkUpgradePath("v3.6.10", "v3.7.1"), "minimum-patch-required");
  assertEquals(checkUpgradePath("v3.5.33", "v3.6.0").kind, "minor");
});

Deno.test("downgrades need --allow-downgrade and follow etcd's procedure", () => {
  refusedWith(() => checkUpgradePath("v3.5.30", "v3.5.29"), "downgrade-refused");
  refusedWith(() => checkUpgradePath("v3.6.6", "v3.5.33"), "downgrade-refused");
  assertEquals(checkUpgradePath("v3.5.30", "v3.5.29", { allowDowngrade: true }).kind, "patch-downgrade");
  assertEquals(checkUpgradePath("v3.6.6", "v3.5.33", { allowDowngrade: true }).kind, "minor-downgrade");
  refusedWith(
    () => checkUpgradePath("v3.7.0", "v3.5.33", { allowDowngrade: true }),
    "unsupported-downgrade-path",
  );
  refusedWith(
    () => checkUpgradePath("v3.5.30", "v3.4.23", { allowDowngrade: true }),
    "unsupported-downgrade-path",
  );
});
