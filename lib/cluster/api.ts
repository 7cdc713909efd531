/**
 * etcd's cluster and maintenance API over mutual TLS, through the v3 JSON gateway every member serves on
 * its client URLs (`POST /v3/cluster/member/list`, `.../add`, `.../promote`, `.../remove`,
 * `/v3/maintenance/status`, `.../alarm`, `.../defragment`, `/v3/kv/compaction`, `/v3/lease/*`, `/v3/lock/*`;
 * the same paths on 3.4, 3.5 and 3.6), and the peer API's member list (`GET /members`). The gateway needs no
 * etcdctl on the host and speaks
 * the same protocol etcdctl does; uint64 IDs travel as decimal strings and are kept as strings here.
 */
import { request } from "undici";
import type { Agent } from "undici";
import { EtcdupError, Exit } from "../errors.ts";
import type { TlsClient } from "../etcd/admin_client.ts";
import { checkHealth, type EndpointHealth, tlsAgent } from "../etcd/health.ts";

/** One member as the member list reports it. A member added but not yet started has no name. */
export interface Member {
  /** Member ID (uint64, decimal string). */
  id: string;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

/** The member list and who answered it. */
export interface MemberList {
  clusterId: string;
  /** The member whose endpoint answered. */
  memberId: string;
  members: Member[];
}

/** What `/v3/maintenance/status` says about one member. */
export interface MemberStatusReport {
  memberId: string;
  clusterId?: string;
  /** The store's current revision as this member serves it. */
  revision?: number;
  version: string;
  dbSize: number;
  dbSizeInUse: number;
  /** ID of the leader this member follows ("0" when it knows none). */
  leader: string;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  isLearner: boolean;
  /** Errors the member reports about itself (e.g. an alarm). */
  errors: string[];
}

/** An active alarm on a member. */
export interface Alarm {
  memberId: string;
  /** `NOSPACE` or `CORRUPT`. */
  alarm: string;
}

/** An error answered by etcd itself (as opposed to an unreachable endpoint). */
export class EtcdApiError extends Error {
  /** gRPC status code. */
  readonly grpcCode: number;
  /** The endpoint that answered. */
  readonly endpoint: string;

  constructor(endpoint: string, grpcCode: number, message: string) {
    super(message);
    this.name = "EtcdApiError";
    this.grpcCode = grpcCode;
    this.endpoint = endpoint;
  }
}

interface RawMember {
  ID?: string;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

interface RawHeader {
  cluster_id?: string;
  member_id?: string;
  revision?: string;
}

function toMember(raw: RawMember): Member {
  return {
    id: raw.ID ?? "0",
    name: raw.name ?? "",
    peerUrls: raw.peerURLs ?? [],
    clientUrls: raw.clientURLs ?? [],
    isLearner: raw.isLearner === true,
  };
}

/**
 * A client for the cluster API of one cluster. Calls go to the endpoints in order: an endpoint that cannot
 * be reached is skipped, an answer from etcd (even an error) is final. Close it when done.
 * @example
 * const api = new ClusterApi({ endpoints: ["https://10.0.0.1:2379"], caFile, certFile, keyFile });
 * try { console.log((await api.memberList()).members.map((m) => m.name)); } finally { await api.close(); }
 */
export class ClusterApi {
  readonly endpoints: string[];
  readonly #client: TlsClient;
  readonly #agent: Agent;

  constructor(client: TlsClient) {
    if (client.endpoints.length === 0) throw new Error("internal: ClusterApi needs at least one endpoint");
    this.endpoints = [...client.endpoints];
    this.#client = client;
    this.#agent = tlsAgent(client);
  }

  /** Releases the connections. */
  close(): Promise<void> {
    return this.#agent.close();
  }

  /**
   * POSTs `body` to `path` on `endpoint` and returns the parsed answer; throws EtcdApiError for etcd's errors.
   * `waitMs` bounds a call etcd may hold long (a defragmentation, a lock); otherwise the admin agent's 3 s
   * (lib/etcd/health.ts tlsAgent) bound every call.
   */
  async #post<T>(endpoint: string, path: string, body: unknown, waitMs?: number): Promise<T> {
    const res = await request(new URL(path, endpoint), {
      dispatcher: this.#agent,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      ...(waitMs === undefined ? {} : { headersTimeout: waitMs, bodyTimeout: waitMs }),
    });
    const text = await res.body.text();
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(text);
    } catch {
      throw new EtcdApiError(endpoint, -1, `HTTP ${res.statusCode} from ${endpoint}${path}: ${text.trim()}`);
    }
    if (res.statusCode !== 200) {
      const message = String(data.message ?? data.error ?? `HTTP ${res.statusCode}`);
      throw new EtcdApiError(endpoint, Number(data.code ?? -1), message);
    }
    return data as T;
  }

  /** Tries the endpoints in order until one answers; throws a network EtcdupError when none can be reached. */
  async #call<T>(path: string, body: unknown, endpoints = this.endpoints, waitMs?: number): Promise<T> {
    const failures: string[] = [];
    for (const endpoint of endpoints) {
      try {
        return await this.#post<T>(endpoint, path, body, waitMs);
      } catch (err) {
        if (err instanceof EtcdApiError) throw err;
        const e = err as Error & { code?: string };
        if (waitMs !== undefined && /^UND_ERR_(HEADERS|BODY)_TIMEOUT$/.test(e.code ?? "")) {
          // etcd is working on it (or waiting, for a lock): asking another member would not help.
          throw new EtcdupError({
            code: "etcd-timeout",
            message: `${endpoint}${path} did not answer within ${Math.round(waitMs / 1000)} s`,
            exit: Exit.failure,
            cause: err,
          });
        }
        failures.push(`${endpoint}: ${e.code ? `${e.code} ` : ""}${e.message}`);
      }
    }
    throw new EtcdupError({
      code: "cluster-unreachable",
      message: `no etcd endpoint answered ${path} (${failures.join("; ")})`,
      hint:
        "Check the endpoint URLs, that the members are running, and that this host's client certificate " +
        "is from the cluster's CA.",
      exit: Exit.network,
    });
  }

  /** The member list (`linearizable` asks the leader, so a just-added member is never missed). */
  async memberList(linearizable = true): Promise<MemberList> {
    const r = await this.#call<{ header?: RawHeader; members?: RawMember[] }>(
      "/v3/cluster/member/list",
      { linearizable },
    );
    return {
      clusterId: r.header?.cluster_id ?? "0",
      memberId: r.header?.member_id ?? "0",
      members: (r.members ?? []).map(toMember),
    };
  }

  /** Adds a member with these peer URLs; returns it (with its new ID) and the member list after the add. */
  async memberAdd(peerUrls: string[], isLearner: boolean): Promise<{ member: Member; members: Member[] }> {
    const r = await this.#call<{ member?: RawMember; members?: RawMember[] }>(
      "/v3/cluster/member/add",
      { peerURLs: peerUrls, isLearner },
    );
    return { member: toMember(r.member ?? {}), members: (r.members ?? []).map(toMember) };
  }

  /** Promotes a learner to a voting member (etcd refuses while the learner is not in sync with the leader). */
  async memberPromote(id: string): Promise<void> {
    await this.#call("/v3/cluster/member/promote", { ID: id });
  }

  /** Removes a member from the cluster, asking `endpoints` (default: this client's) in order. */
  async memberRemove(id: string, endpoints = this.endpoints): Promise<void> {
    await this.#call("/v3/cluster/member/remove", { ID: id }, endpoints);
  }

  /** `/health` of one endpoint, as `etcdctl endpoint health` asks it. */
  health(endpoint: string): Promise<EndpointHealth> {
    return checkHealth(endpoint, this.#agent);
  }

  /** The status of the member serving `endpoint` (only that endpoint is asked). */
  async status(endpoint: string): Promise<MemberStatusReport> {
    const r = await this.#call<Record<string, unknown> & { header?: RawHeader }>(
      "/v3/maintenance/status",
      {},
      [endpoint],
    );
    return {
      memberId: r.header?.member_id ?? "0",
      clusterId: r.header?.cluster_id ?? "0",
      revision: Number(r.header?.revision ?? 0),
      version: String(r.version ?? ""),
      dbSize: Number(r.dbSize ?? 0),
      dbSizeInUse: Number(r.dbSizeInUse ?? 0),
      leader: String(r.leader ?? "0"),
      raftIndex: Number(r.raftIndex ?? 0),
      raftTerm: Number(r.raftTerm ?? 0),
      raftAppliedIndex: Number(r.raftAppliedIndex ?? 0),
      isLearner: r.isLearner === true,
      errors: (r.errors as string[] | undefined) ?? [],
    };
  }

  /**
   * The member list as the member at `peerUrl` knows it, from etcd's peer API (`GET /members`, HTTP/1.1,
   * the admin certificate is accepted there too). A member without quorum answers it, while its client API
   * does not serve until it is ready (has published itself through a leader). IDs come as JSON numbers
   * beyond 2^53 and are read as decimal strings.
   */
  async peerMembers(peerUrl: string): Promise<Member[]> {
    const agent = tlsAgent(this.#client, { http1: true });
    try {
      let text: string;
      let status: number;
      try {
        const res = await request(new URL("/members", peerUrl), { dispatcher: agent, method: "GET" });
        [status, text] = [res.statusCode, await res.body.text()];
      } catch (err) {
        const e = err as Error & { code?: string };
        throw new EtcdupError({
          code: "cluster-unreachable",
          message: `the peer URL ${peerUrl} did not answer /members (${
            e.code ? `${e.code} ` : ""
          }${e.message})`,
          hint: "Check that etcd runs on this member ('systemctl status etcd') and listens on its peer URL.",
          exit: Exit.network,
        });
      }
      if (status !== 200) {
        throw new EtcdApiError(peerUrl, -1, `HTTP ${status} from ${peerUrl}/members: ${text}`);
      }
      const raw = JSON.parse(text.replace(/"id":\s*(\d+)/g, '"ID":"$1"')) as RawMember[];
      return raw.map(toMember);
    } finally {
      await agent.close();
    }
  }

  /** Active alarms across the cluster. */
  async alarms(): Promise<Alarm[]> {
    const r = await this.#call<{ alarms?: { memberID?: string; alarm?: string }[] }>(
      "/v3/maintenance/alarm",
      { action: "GET" },
    );
    return (r.alarms ?? []).map((a) => ({ memberId: a.memberID ?? "0", alarm: a.alarm ?? "NONE" }));
  }

  /** Defragments the member serving `endpoint` (it blocks that member's reads and writes meanwhile). */
  async defragment(endpoint: string, waitMs: number): Promise<void> {
    await this.#call("/v3/maintenance/defragment", {}, [endpoint], waitMs);
  }

  /** The cluster's current revision (the header of a count-only range). */
  async revision(): Promise<number> {
    const r = await this.#call<{ header?: { revision?: string } }>("/v3/kv/range", {
      key: btoa("\0"),
      count_only: true,
    });
    return Number(r.header?.revision ?? 0);
  }

  /**
   * Compacts history up to `revision` and waits until every member applied it (physical), so a following
   * defragmentation frees the space. A revision compacted already is no error.
   */
  async compact(revision: number): Promise<void> {
    try {
      await this.#call(
        "/v3/kv/compaction",
        { revision: String(revision), physical: true },
        this.endpoints,
        600_000,
      );
    } catch (err) {
      if (!(err instanceof EtcdApiError && /compacted/.test(err.message))) throw err;
    }
  }

  /** Deactivates `alarm` on the member with (decimal) ID `memberId`. */
  async disarm(memberId: string, alarm: string): Promise<void> {
    await this.#call("/v3/maintenance/alarm", { action: "DEACTIVATE", memberID: memberId, alarm });
  }

  /** Grants a lease of `ttlSeconds`; returns its (decimal) ID. */
  async leaseGrant(ttlSeconds: number): Promise<string> {
    const r = await this.#call<{ ID?: string }>("/v3/lease/grant", { TTL: String(ttlSeconds) });
    if (!r.ID) throw new Error("internal: lease grant returned no ID");
    return r.ID;
  }

  /** Renews lease `id` once; returns its TTL left (0 when it has expired). */
  async leaseKeepAlive(id: string): Promise<number> {
    const r = await this.#call<{ result?: { TTL?: string } }>("/v3/lease/keepalive", { ID: id });
    return Number(r.result?.TTL ?? 0);
  }

  /** Revokes lease `id` (and so deletes the keys attached to it, e.g. a lock). */
  async leaseRevoke(id: string): Promise<void> {
    await this.#call("/v3/lease/revoke", { ID: id });
  }

  /**
   * Takes etcd's distributed lock `name` for lease `lease`, waiting up to `waitMs` for its holder to let go;
   * returns the key that holds it (for {@link unlock}).
   */
  async lock(name: string, lease: string, waitMs: number): Promise<string> {
    const r = await this.#call<{ key?: string }>(
      "/v3/lock/lock",
      { name: btoa(name), lease },
      this.endpoints,
      waitMs,
    );
    if (!r.key) throw new Error("internal: lock returned no key");
    return r.key;
  }

  /** Releases the lock held by `key`. */
  async unlock(key: string): Promise<void> {
    await this.#call("/v3/lock/unlock", { key });
  }
}
