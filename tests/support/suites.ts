/**
 * The two halves of the test suite, so a change can be checked in seconds before the long run.
 *
 * - **unit** (`deno task test:unit`): tests that call the code in-process. They need no etcd process, no
 *   container, no network namespace, no root, no etcdup run as a process, no server process (an in-process
 *   loopback HTTPS server is fine) and no peak-memory measurement, and together they run in seconds. A quick
 *   host tool (openssl, shellcheck, systemd-analyze) or a `deno eval` of a module is fine.
 * - **e2e** (`deno task test:e2e`): everything else.
 *
 * `deno task test` (what CI runs) runs every test file under tests/. tests/cli/tasks_test.ts proves that is
 * exactly UNIT plus E2E, with no file in both or in neither, so a new test file fails that test until it is
 * placed here. An entry ending in `/` stands for every test file under that folder.
 *
 * Usage (what the two tasks run): `deno run --allow-read --allow-run tests/support/suites.ts unit|e2e [ARGS]`
 * runs the `test` task's command of deno.json on the suite's files instead of `tests/`, with ARGS (e.g.
 * `--filter plan`) before them.
 */

/** In-process tests: seconds, nothing needed beyond the repository. */
export const UNIT: readonly string[] = [
  "tests/backup/age_cli_test.ts",
  "tests/backup/list_view_test.ts",
  "tests/backup/plan_test.ts",
  "tests/backup/purge_root_test.ts",
  "tests/backup/record_test.ts",
  "tests/backup/retention_test.ts",
  "tests/bench/report_test.ts",
  "tests/cli/args_test.ts",
  "tests/cli/output_test.ts",
  "tests/cli/tasks_test.ts",
  "tests/cluster/install_render_test.ts",
  "tests/cluster/join_plan_test.ts",
  "tests/cluster/quorum_test.ts",
  "tests/cluster/status_format_test.ts",
  "tests/cluster/urls_test.ts",
  "tests/core/",
  "tests/daytwo/env_test.ts",
  "tests/daytwo/status_report_test.ts",
  "tests/daytwo/swap_test.ts",
  "tests/daytwo/uninstall_dry_run_equals_apply_test.ts",
  "tests/daytwo/uninstall_pki_leftovers_test.ts",
  "tests/daytwo/uninstall_plan_test.ts",
  "tests/daytwo/uninstall_root_test.ts",
  "tests/daytwo/upgrade_diff_test.ts",
  "tests/daytwo/upgrade_paths_test.ts",
  "tests/etcd/admin_client_test.ts",
  "tests/etcd/diagnose_test.ts",
  "tests/etcd/health_test.ts",
  "tests/etcd/unit_test.ts",
  "tests/etcd/version_test.ts",
  "tests/host/accounts_test.ts",
  "tests/host/copy_atomic_test.ts",
  "tests/host/facts_test.ts",
  "tests/host/fs_test.ts",
  "tests/host/self_test.ts",
  "tests/install/context_test.ts",
  "tests/install/diff_render_test.ts",
  "tests/install/disk_check_test.ts",
  "tests/install/final_message_test.ts",
  "tests/install/preconditions_test.ts",
  "tests/monitor/textfile_test.ts",
  "tests/offsite/age_test.ts",
  "tests/offsite/backup_status_test.ts",
  "tests/offsite/config_test.ts",
  "tests/offsite/restore_refusals_test.ts",
  "tests/offsite/sigv4_vectors_test.ts",
  "tests/offsite/streamed_trust_test.ts",
  "tests/offsite/xml_test.ts",
  "tests/pki/ca_flags_test.ts",
  "tests/pki/interrupted_test.ts",
  "tests/pki/observed_plan_test.ts",
  "tests/pki/plan_test.ts",
  "tests/pki/renew_view_test.ts",
  "tests/pki/renew_reads_once_test.ts",
  "tests/plan/build_test.ts",
  "tests/plan/care_test.ts",
  "tests/plan/cluster_test.ts",
  "tests/plan/diff_test.ts",
  "tests/plan/dirs_test.ts",
  "tests/plan/health_timeout_test.ts",
  "tests/plan/pki_request_test.ts",
  "tests/plan/render_test.ts",
  "tests/plan/timer_units_test.ts",
  "tests/recovery/",
  "tests/release/binaries_test.ts",
  "tests/release/elf_test.ts",
  "tests/release/file_name_test.ts",
  "tests/release/hints_test.ts",
  "tests/release/https_server_test.ts",
  "tests/release/manifest_test.ts",
  "tests/release/network_test.ts",
  "tests/release/proxy_env_test.ts",
  "tests/release/refresh_manifest_test.ts",
  "tests/release/trust_test.ts",
  "tests/release/unpack_test.ts",
  "tests/shipping/print_config_test.ts",
  "tests/shipping/release_workflow_test.ts",
  "tests/shipping/startup_test.ts",
  "tests/structure/",
  "tests/timers/care_plan_test.ts",
];

/** The rest: real etcd, systemd containers, network namespaces, root, etcdup run as a process, servers. */
export const E2E: readonly string[] = [
  "tests/backup/age_cli_backup_test.ts",
  "tests/backup/disk_full_test.ts",
  "tests/backup/dry_run_test.ts",
  "tests/backup/live_cluster_test.ts",
  "tests/backup/missing_tool_test.ts",
  "tests/backup/prometheus_test.ts",
  "tests/backup/restore_root_test.ts",
  "tests/backup/retention_owner_test.ts",
  "tests/backup/root_only_test.ts",
  "tests/backup/sealed_readback_test.ts",
  "tests/backup/symlinked_dir_test.ts",
  "tests/backup/too_new_test.ts",
  "tests/bench/bench_smoke_test.ts",
  "tests/cli/help_suggest_test.ts",
  "tests/cli/options_test.ts",
  "tests/cli/value_source_test.ts",
  "tests/cluster/join_test.ts",
  "tests/cluster/liveness_test.ts",
  "tests/cluster/maintain_test.ts",
  "tests/cluster/membership_test.ts",
  "tests/cluster/status_test.ts",
  "tests/daytwo/non_root_test.ts",
  "tests/daytwo/status_certs_test.ts",
  "tests/daytwo/upgrade_dry_run_equals_apply_test.ts",
  "tests/daytwo/upgrade_root_test.ts",
  "tests/e2e/",
  "tests/etcd/env_test.ts",
  "tests/install/dry_run_equals_apply_test.ts",
  "tests/install/dry_run_polish_test.ts",
  "tests/install/install_root_test.ts",
  "tests/install/kill_test.ts",
  "tests/install/no_start_test.ts",
  "tests/install/refused_values_test.ts",
  "tests/install/remembered_test.ts",
  "tests/install/root_live_test.ts",
  "tests/install/symlink_root_test.ts",
  "tests/install/unhealthy_test.ts",
  "tests/install/wal_dir_test.ts",
  "tests/monitor/monitoring_test.ts",
  "tests/offsite/flat_memory_test.ts",
  "tests/offsite/leader_upload_test.ts",
  "tests/offsite/peak_live_test.ts",
  "tests/offsite/real_snapshot_test.ts",
  "tests/offsite/restore_age_root_test.ts",
  "tests/offsite/restore_dry_run_s3_test.ts",
  "tests/offsite/restore_source_test.ts",
  "tests/offsite/s3_client_test.ts",
  "tests/offsite/s3_faults_test.ts",
  "tests/pki/certs_cli_test.ts",
  "tests/pki/etcd_test.ts",
  "tests/pki/for_user_test.ts",
  "tests/pki/issue_client_shell_test.ts",
  "tests/pki/keypool_test.ts",
  "tests/pki/openssl_test.ts",
  "tests/pki/renew_dry_run_equals_apply_test.ts",
  "tests/pki/renew_if_expiring_test.ts",
  "tests/pki/rotate_ca_dry_run_test.ts",
  "tests/pki/rotate_ca_interrupted_check_test.ts",
  "tests/pki/rotate_ca_kill_test.ts",
  "tests/pki/rotate_cluster_test.ts",
  "tests/pki/sans_test.ts",
  "tests/pki/strict_test.ts",
  "tests/pki/systemd_test.ts",
  "tests/plan/join_dry_run_test.ts",
  "tests/release/download_dry_run_test.ts",
  "tests/release/download_failure_test.ts",
  "tests/release/download_test.ts",
  "tests/release/flat_memory_test.ts",
  "tests/release/peak_rss_live_test.ts",
  "tests/release/peak_rss_test.ts",
  "tests/release/real_etcd_test.ts",
  "tests/release/unpack_corpus_test.ts",
  "tests/shipping/build_test.ts",
  "tests/shipping/cli_test.ts",
  "tests/shipping/container_test.ts",
  "tests/shipping/install_sh_test.ts",
  "tests/shipping/quickstart_test.ts",
  "tests/timers/care_timers_test.ts",
  "tests/timers/install_timers_test.ts",
];

/**
 * Support modules only e2e tests may import: what starts containers, namespaces, real etcd or its fixtures,
 * server processes, peak-memory children, or runs etcdup as a process.
 */
export const E2E_ONLY: readonly string[] = [
  "tests/e2e/harness/",
  "tests/cluster/local_cluster.ts",
  "tests/support/etcd_fixtures.ts",
  "tests/support/fixture_node.ts",
  "tests/support/peak_rss.ts",
  "tests/support/prometheus_fixture.ts",
  "tests/support/root_install.ts",
  "tests/support/s3rver.ts",
];

/** The suites by the name their task passes. */
export const SUITES: Readonly<Record<string, readonly string[]>> = { unit: UNIT, e2e: E2E };

/** The repository root (this file is tests/support/suites.ts). */
const REPO = new URL("../../", import.meta.url).pathname;

/** Deno's rule for a test module when `deno test` is given a folder: `{*_,*.,}test.{ts,tsx,mts,js,mjs,jsx}`. */
const TEST_MODULE = /(^|[._])test\.(ts|tsx|mts|js|mjs|jsx)$/;

/** Every file `deno test` runs when given `dir` (relative to the repository), as repository paths, sorted. */
export function testModules(dir: string): string[] {
  const found: string[] = [];
  const walk = (rel: string) => {
    for (const entry of Deno.readDirSync(REPO + rel)) {
      const child = `${rel}${entry.name}`;
      if (entry.isDirectory) walk(`${child}/`);
      else if (entry.isFile && TEST_MODULE.test(entry.name)) found.push(child);
    }
  };
  walk(dir.endsWith("/") ? dir : `${dir}/`);
  return found.sort();
}

/** The test files a suite's entries stand for (a folder entry: every test module under it), sorted. */
export function suiteFiles(entries: readonly string[]): string[] {
  return entries.flatMap((e) => e.endsWith("/") ? testModules(e) : [e]).sort();
}

/** The `test` task of deno.json split into words: its command, flags and, last, the folder it tests. */
export function testTaskWords(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${REPO}deno.json`));
  return (config.tasks.test as string).trim().split(/\s+/);
}

if (import.meta.main) {
  const [name, ...args] = Deno.args;
  const entries = SUITES[name];
  if (!entries) {
    console.error(`usage: suites.ts ${Object.keys(SUITES).join("|")} [deno test args]`);
    Deno.exit(2);
  }
  const [, ...testArgs] = testTaskWords(); // drop the launcher: run this same deno
  const flags = testArgs.slice(0, -1); // drop the folder: the suite's entries replace it
  const child = new Deno.Command(Deno.execPath(), {
    args: [...flags, ...args, ...entries],
    cwd: REPO,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  Deno.exit((await child.status).code);
}
