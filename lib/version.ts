/** etcdup's own version and build commit; `build.ts` rewrites assets/build-info.json before compiling. */
import info from "../assets/build-info.json" with { type: "json" };

/** The etcdup version string, e.g. "0.1.0". */
export const VERSION: string = info.version;
/** The git commit the binary was built from, or "dev" when run from source. */
export const COMMIT: string = info.commit;
