/**
 * `etcdup certs issue-client NAME`: a clientAuth certificate and key for another program, and the etcdctl,
 * ETCDCTL_* and kube-apiserver settings that use it.
 */
import * as path from "node:path";
import type { ContextOf } from "../../specs/spec.ts";
import type { issueClientFlags } from "../../specs/certs.ts";
import { Exit, type ExitCode } from "../../errors.ts";
import { DEFAULT_KEY_ALGORITHM } from "../../pki/algorithms.ts";
import { loadCaAt } from "../../pki/ca.ts";
import { checkClientName, clientPair, planNewClient } from "../../pki/clients.ts";
import { readState, writeState } from "../../host/state.ts";
import { ensureUserDirs, ownedByUser, renderUserProfile, userPlace, withUserClient } from "./for_user.ts";
import { putInPlace } from "./put.ts";
import { observeTarget, resolveTarget } from "../../observe/certs.ts";

/**
 * `ETCDCTL_ENDPOINTS=... ETCDCTL_CACERT=... ETCDCTL_CERT=... ETCDCTL_KEY=...`: etcdctl refuses a flag beside
 * its variable (`conflicting environment variable`), and root's login shell has the variables from
 * /etc/profile.d/etcdctl.sh, so the client is selected by overriding the variables, never by flags.
 */
function etcdctlEnv(endpoints: string, ca: string, cert: string, key: string): string {
  return `ETCDCTL_ENDPOINTS=${endpoints} ETCDCTL_CACERT=${ca} ETCDCTL_CERT=${cert} ETCDCTL_KEY=${key}`;
}

/** Runs `certs issue-client`. */
export async function run(ctx: ContextOf<typeof issueClientFlags>): Promise<ExitCode> {
  const { options } = ctx;
  const t = resolveTarget(options);
  const now = new Date();
  const name = ctx.positionals[0];
  const outFlag = options.out;
  const forUser = options["for-user"];
  const place = forUser ? userPlace(t.host, forUser, outFlag) : undefined;
  const outDir = place?.dir ?? (outFlag ? path.resolve(outFlag) : t.paths.dir);
  checkClientName(name, outDir === t.paths.dir ? t.paths : undefined);
  const pair = clientPair(outDir, name);
  const observed = observeTarget(t, [pair.certPath, pair.keyPath, ...(place ? [place.profile] : [])]);
  const ca = await loadCaAt(observed, t.paths, now);
  const issued = await planNewClient(
    {
      pair,
      commonName: options.cn ?? name,
      organization: options.org,
      days: options.days,
      algorithm: options["key-algorithm"] ?? DEFAULT_KEY_ALGORITHM,
      now,
      backdateMinutes: options.backdate,
    },
    observed,
    ca,
  );
  const endpoints = t.state?.clientUrls.join(",") ?? "https://127.0.0.1:2379";
  const [caFile, certFile, keyFile] = [t.paths.caCert, pair.certPath, pair.keyPath];
  const profile = place &&
    renderUserProfile(place, { endpoints, ca: caFile, cert: certFile, key: keyFile }, t.host);
  const files = place ? [...ownedByUser(issued, place.account), profile!] : issued;
  const plan = { paths: t.paths, files, notes: [`issued client ${name}`], changed: true };
  const madeDirs = place ? ensureUserDirs(t.host, place) : [];
  await putInPlace(t, ctx.out, plan, observed, { now, signer: ca.signer.cert });
  if (place && t.state) {
    const client = {
      name,
      user: place.account.name,
      certPath: certFile,
      keyPath: keyFile,
      profile: place.profile,
    };
    writeState(t.host, withUserClient(readState(t.host) ?? t.state, client, madeDirs));
  }
  const owner = place?.account.name ?? "root";
  const human = [
    `Client certificate '${name}' written: ${certFile} (0644 ${owner}), ${keyFile} (0600 ${owner}).`,
    ...(place ? [`${place.account.name}'s login shells get ETCDCTL_* for it from ${place.profile}.`] : []),
    "",
    "etcdctl (its ETCDCTL_* for this one command, so root's profile variables do not conflict):",
    `  ${etcdctlEnv(endpoints, caFile, certFile, keyFile)} etcdctl endpoint health`,
    "environment:",
    `  export ${etcdctlEnv(endpoints, caFile, certFile, keyFile)}`,
    "kube-apiserver:",
    `  --etcd-servers=${endpoints} --etcd-cafile=${caFile} --etcd-certfile=${certFile} --etcd-keyfile=${keyFile}`,
  ].join("\n");
  ctx.out.result({ name, certFile, keyFile, caFile, endpoints: endpoints.split(",") }, human);
  return Exit.ok;
}
