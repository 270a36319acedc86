import { execFileSync, spawnSync } from "node:child_process";
import { delimiter, join } from "node:path";
import { isExecutable } from "../local-host.js";

/** A peer ready to start (`found`), or why it is skipped. */
export type PeerInstall = { found: string; version: string } | { skipped: string };

/** Where Debian puts nginx; a non-root PATH often lacks the sbin folders. */
const SBIN = ["/usr/sbin", "/usr/local/sbin", "/sbin"];
/** Debian's own Python: its dist-packages hold python3-fastapi & co., which a pyenv or venv python on PATH does not see. */
const DEBIAN_PYTHON = "/usr/bin/python3";
const FASTAPI_PACKAGES = ["python3-fastapi", "python3-uvicorn", "python3-httpx"];
const PYTHON_PROBE =
  "import sys, fastapi, uvicorn, httpx, importlib.util as u; " +
  "print(f'FastAPI {fastapi.__version__}, uvicorn {uvicorn.__version__} (' + " +
  "('uvloop' if u.find_spec('uvloop') else 'asyncio') + ', ' + ('httptools' if u.find_spec('httptools') else 'h11') + " +
  "f'), httpx {httpx.__version__}, Python {sys.version.split()[0]}')";

/**
 * nginx for the `nginx` peer: `NGINX_PATH`, or nginx on PATH or in the sbin folders; when missing,
 * Debian's package is installed (`apt-get install -y nginx`, as root, unless BENCH_NO_INSTALL=1).
 * Debian's postinst would start the system service; the bench never uses it (its own nginx runs
 * on its own port with its own config).
 */
export function findOrInstallNginx(): PeerInstall {
  const chosen = process.env.NGINX_PATH;
  if (chosen !== undefined)
    return isExecutable(chosen) ? nginxFound(chosen) : { skipped: `NGINX_PATH ${chosen} is not executable` };
  const found = findExecutable("nginx");
  if (found !== undefined) return nginxFound(found);
  const installed = aptInstall(["nginx"]);
  if (installed !== undefined) return { skipped: `nginx not installed: ${installed}` };
  const now = findExecutable("nginx");
  return now === undefined
    ? { skipped: "apt-get installed nginx, yet no nginx binary was found" }
    : nginxFound(now);
}

/**
 * The Python for the `fastapi` peer: `BENCH_PYTHON`, else Debian's /usr/bin/python3, with
 * python3-fastapi, python3-uvicorn and python3-httpx installed by apt-get when missing (as root,
 * unless BENCH_NO_INSTALL=1).
 */
export function findOrInstallFastapi(): PeerInstall {
  const python = process.env.BENCH_PYTHON ?? DEBIAN_PYTHON;
  if (!isExecutable(python)) {
    if (process.env.BENCH_PYTHON !== undefined)
      return { skipped: `BENCH_PYTHON ${python} is not executable` };
    const installed = aptInstall(["python3", ...FASTAPI_PACKAGES]);
    if (installed !== undefined) return { skipped: `no ${python}: ${installed}` };
  }
  const first = probePython(python);
  if ("version" in first) return first;
  if (process.env.BENCH_PYTHON !== undefined)
    return { skipped: `${python} lacks FastAPI/uvicorn/httpx: ${first.error}` };
  const installed = aptInstall(FASTAPI_PACKAGES);
  if (installed !== undefined) return { skipped: `FastAPI stack not installed: ${installed}` };
  const second = probePython(python);
  return "version" in second ? second : { skipped: `FastAPI stack still not importable: ${second.error}` };
}

function nginxFound(path: string): PeerInstall {
  // `nginx -v` prints "nginx version: nginx/1.22.1" on stderr.
  const result = spawnSync(path, ["-v"], { encoding: "utf8" });
  const version = /nginx\/\S+/.exec(`${result.stderr}${result.stdout}`)?.[0] ?? "nginx (version unknown)";
  return { found: path, version };
}

function probePython(python: string): { found: string; version: string } | { error: string } {
  const result = spawnSync(python, ["-c", PYTHON_PROBE], { encoding: "utf8", timeout: 30_000 });
  if (result.status === 0) return { found: python, version: result.stdout.trim() };
  const lines = result.stderr.trim().split("\n");
  return { error: lines[lines.length - 1] ?? `exit ${result.status}` };
}

/** Installs Debian packages with apt-get; undefined when it worked, else why not. */
function aptInstall(packages: string[]): string | undefined {
  if (process.env.BENCH_NO_INSTALL === "1") return "BENCH_NO_INSTALL=1";
  if (process.getuid?.() !== 0) return `not root, cannot apt-get install ${packages.join(" ")}`;
  const aptGet = findExecutable("apt-get");
  if (aptGet === undefined) return `no apt-get to install ${packages.join(" ")}`;
  process.stderr.write(`bench: apt-get install -y ${packages.join(" ")}\n`);
  const install = () =>
    execFileSync(aptGet, ["install", "-y", ...packages], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 600_000,
    });
  try {
    install();
    return undefined;
  } catch {
    // The package lists may be stale or absent (a fresh container): refresh once, then try again.
    try {
      execFileSync(aptGet, ["update"], { stdio: ["ignore", "ignore", "pipe"], timeout: 300_000 });
      install();
      return undefined;
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split("\n").pop();
      return `apt-get install ${packages.join(" ")} failed${stderr ? `: ${stderr}` : ""}`;
    }
  }
}

function findExecutable(name: string): string | undefined {
  const folders = [...(process.env.PATH ?? "").split(delimiter).filter((folder) => folder !== ""), ...SBIN];
  return folders.map((folder) => join(folder, name)).find(isExecutable);
}
