/**
 * etcdctl inside a container, as an operator runs it: the admin certificate etcdup installed, bounded dial and
 * command timeouts (a dead or refusing member fails fast instead of hanging); and SIGKILLing an etcdup command
 * while etcd's start is held, for the tests of re-runs after a kill.
 */
import type { ExecResult } from "../../support/exec.ts";
import { waitUntil } from "../../support/wait.ts";
import type { Container } from "./container.ts";

/** Where etcdup's default layout puts the PKI. */
const PKI = "/etc/etcd/pki";
/** etcdctl flags that bound every attempt. */
export const QUICK = ["--dial-timeout=3s", "--command-timeout=5s"];

/** A container running an etcd member. */
export interface EtcdNode {
  ct: Container;
  name: string;
  /** Its client URL, e.g. `https://10.88.0.11:2379`. */
  clientUrl: string;
}

/** etcdctl on `node` with its admin certificate against `endpoints` (default: its own client URL). */
export function etcdctl(node: EtcdNode, args: string[], endpoints = [node.clientUrl]): Promise<ExecResult> {
  return node.ct.exec([
    "etcdctl",
    `--endpoints=${endpoints.join(",")}`,
    `--cacert=${PKI}/ca.crt`,
    `--cert=${PKI}/admin.crt`,
    `--key=${PKI}/admin.key`,
    ...QUICK,
    ...args,
  ]);
}

/** Like {@link etcdctl} but returns stdout and throws, naming the node, unless it exits 0. */
export async function etcdctlOk(node: EtcdNode, args: string[], endpoints?: string[]): Promise<string> {
  const r = await etcdctl(node, args, endpoints);
  if (r.code !== 0) throw new Error(`[${node.name}] etcdctl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The member list as `node` sees it: name, peer URL, learner flag, sorted by peer URL. */
export async function members(node: EtcdNode): Promise<{ name: string; peer: string; learner: boolean }[]> {
  const json = JSON.parse(await etcdctlOk(node, ["member", "list", "-w", "json"])) as {
    members: { name?: string; peerURLs: string[]; isLearner?: boolean }[];
  };
  return json.members.map((m) => ({ name: m.name ?? "", peer: m.peerURLs[0], learner: m.isLearner === true }))
    .sort((a, b) => a.peer.localeCompare(b.peer, "en", { numeric: true }));
}

/**
 * Runs `run` (an etcdup command, given a container whose commands record their PID) with etcd's next start
 * held in `ct` (a runtime drop-in whose ExecStartPre waits for a flag file), waits until `midway()` says the
 * command is where it should be killed (polled, bounded by 120 s), SIGKILLs exactly that command, releases
 * etcd's start and returns the killed run's result.
 */
export async function killMidway(
  ct: Container,
  run: (recording: Container) => Promise<ExecResult>,
  midway: () => Promise<boolean>,
  what: string,
): Promise<ExecResult> {
  const hold = "/run/etcdup-test-hold";
  const dropIn = "/run/systemd/system/etcd.service.d/hold.conf";
  const pidFile = "/run/etcdup-test-run.pid";
  await ct.execOk(["mkdir", "-p", "/run/systemd/system/etcd.service.d"]);
  await ct.execOk(["tee", dropIn], {
    input: `[Service]\nExecStartPre=+/bin/sh -c 'while [ -e ${hold} ]; do sleep 0.2; done'\n`,
  });
  await ct.execOk(["touch", hold]);
  await ct.execOk(["systemctl", "daemon-reload"]);
  const recording = {
    exec: (argv: readonly string[], opts?: Parameters<Container["exec"]>[1]) =>
      ct.exec(["bash", "-c", `echo $$ > ${pidFile}; exec "$@"`, "bash", ...argv], opts),
  } as Container;
  const running = run(recording);
  try {
    await waitUntil(async () => (await midway()) || undefined, 120_000, what, 200);
    await ct.execOk(["bash", "-c", `kill -KILL "$(cat ${pidFile})"`]);
    return await running;
  } finally {
    await ct.execOk(["rm", "-f", hold, dropIn]);
  }
}

/** Whether etcd's unit in `ct` is starting (e.g. held by {@link killMidway}). */
export async function etcdActivating(ct: Container): Promise<boolean> {
  return (await ct.exec(["systemctl", "is-active", "etcd"])).stdout.trim() === "activating";
}
