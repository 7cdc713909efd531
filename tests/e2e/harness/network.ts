/**
 * Private networks for multi-node tests, built entirely inside network namespaces so the host's own network is
 * never touched: a "switch" namespace holding a bridge, and one namespace per host joined to it by a veth pair
 * (`eth0` inside the host namespace, with an address on the network's /24). Boot a container in a host's
 * namespace with `Container.boot({ netns: host.netns })`. {@link Network.destroy} (in `finally`) deletes every
 * namespace, which takes the links with them; namespaces left by a test process that died are deleted when the
 * next network is created.
 */
import { exec, execOk } from "../../support/exec.ts";

/** Namespaces of this module are `etcdup-sw-<pid>-<rand>` and `etcdup-h<n>-<pid>-<rand>`. */
const NAME = /^etcdup-(?:sw|h\d+)-(\d+)-[0-9a-f]+$/;
let swept: Promise<void> | undefined;

/** One host's place on a {@link Network}. */
export interface NetworkHost {
  /** Name of its namespace under /run/netns. */
  netns: string;
  /** Its IPv4 address on the network, e.g. "10.88.0.11". */
  address: string;
}

/** A switched /24 of network namespaces. */
export class Network {
  /** The first three octets of the /24, e.g. "10.88.0". */
  readonly prefix: string;
  #id: string;
  #switch: string;
  #hosts: NetworkHost[] = [];

  private constructor(prefix: string) {
    this.prefix = prefix;
    this.#id = `${Deno.pid}-${crypto.randomUUID().slice(0, 4)}`;
    this.#switch = `etcdup-sw-${this.#id}`;
  }

  /**
   * Creates the switch. The /24 is private to these namespaces, so concurrent networks may use the same one.
   * @example
   * const net = await Network.create();
   * try { const a = await net.addHost(); /* a.netns, a.address *\/ } finally { await net.destroy(); }
   */
  static async create(prefix = "10.88.0"): Promise<Network> {
    swept ??= sweepStale();
    await swept;
    const net = new Network(prefix);
    try {
      await execOk(["ip", "netns", "add", net.#switch]);
      await execOk(["ip", "-n", net.#switch, "link", "add", "br0", "type", "bridge"]);
      await execOk(["ip", "-n", net.#switch, "link", "set", "br0", "up"]);
      return net;
    } catch (err) {
      await net.destroy();
      throw err;
    }
  }

  /** The hosts added so far. */
  get hosts(): readonly NetworkHost[] {
    return this.#hosts;
  }

  /** Adds a host namespace with `lo` up and `eth0` at the next address (.11, .12, ...). */
  async addHost(): Promise<NetworkHost> {
    const n = this.#hosts.length + 1;
    const host = { netns: `etcdup-h${n}-${this.#id}`, address: `${this.prefix}.${10 + n}` };
    this.#hosts.push(host);
    await execOk(["ip", "netns", "add", host.netns]);
    const port = `p${n}`;
    await execOk([
      "ip",
      "-n",
      this.#switch,
      "link",
      "add",
      port,
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      host.netns,
    ]);
    await execOk(["ip", "-n", this.#switch, "link", "set", port, "master", "br0", "up"]);
    await execOk(["ip", "-n", host.netns, "link", "set", "lo", "up"]);
    await execOk(["ip", "-n", host.netns, "addr", "add", `${host.address}/24`, "dev", "eth0"]);
    await execOk(["ip", "-n", host.netns, "link", "set", "eth0", "up"]);
    return host;
  }

  /** Deletes every namespace of this network. Idempotent. */
  async destroy(): Promise<void> {
    for (const ns of [...this.#hosts.map((h) => h.netns), this.#switch]) {
      await exec(["ip", "netns", "delete", ns]);
    }
    this.#hosts = [];
  }
}

/** Deletes the namespaces of networks whose test process died without destroying them. */
async function sweepStale(): Promise<void> {
  for (const line of (await exec(["ip", "netns", "list"])).stdout.split("\n")) {
    const name = line.split(" ")[0];
    const pid = NAME.exec(name)?.[1];
    if (pid && Number(pid) !== Deno.pid && !(await Deno.stat(`/proc/${pid}`).then(() => true, () => false))) {
      await exec(["ip", "netns", "delete", name]);
    }
  }
}
