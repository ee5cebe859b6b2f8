// Starts a real MongoDB-wire server for tests: mongo-java-server with its in-memory backend
// (fetched by ci/install/mongo-wire.sh). Where MONGODB_URL is set, that server is used
// instead and nothing is started.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface MongoWireServer {
  /** Connection string for the Node driver. */
  readonly uri: string;
  /** False when MONGODB_URL points at a server these tests do not own (kill/restart unavailable). */
  readonly owned: boolean;
  /** Stops the server gracefully (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL, like a crashed database host. */
  kill(): Promise<void>;
  /** Starts it again on the same port (with empty data: the backend is in memory). */
  restart(): Promise<void>;
}

const apiDir = join(__dirname, '..', '..');
const wireDir = join(apiDir, '.mongo-wire');
const readyLine = /MONGO_WIRE_READY (\d+)/;

export interface MongoWireOptions {
  /**
   * Full JIT (C2) instead of C1 only: slower to start, faster under sustained load. Benchmarks set
   * it so the test database costs both compared stacks as little CPU as it can.
   */
  fullJit?: boolean;
  /** Extra JVM flags, e.g. the benchmark's `-Xlog:gc:file=…` to tell the server's pauses from the app's. */
  jvmArgs?: readonly string[];
}

export async function startMongoWireServer(options: MongoWireOptions = {}): Promise<MongoWireServer> {
  const external = process.env.MONGODB_URL;
  if (external) {
    const notOwned = async () => {
      throw new Error('MONGODB_URL is set: the tests do not own that server, so they cannot kill or restart it');
    };
    return { uri: external, owned: false, stop: async () => {}, kill: notOwned, restart: notOwned };
  }

  const jvmArgs = [...(options.fullJit ? [] : ['-XX:TieredStopAtLevel=1']), ...(options.jvmArgs ?? [])];
  let child = await launch(0, jvmArgs);
  const port = child.port;
  const stopWith = async (signal: NodeJS.Signals) => {
    const proc = child.proc;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
  };
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    owned: true,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    restart: async () => {
      await stopWith('SIGKILL');
      child = await launch(port, jvmArgs);
    },
  };
}

async function launch(port: number, jvmArgs: string[]): Promise<{ proc: ChildProcess; port: number }> {
  const jars = join(wireDir, 'jars');
  if (!existsSync(jars)) {
    throw new Error(`mongo-java-server jars not found in ${jars}; run ci/install/mongo-wire.sh first`);
  }
  // Precompiled class when the install script made one; otherwise Java's single-file source launch.
  const compiled = existsSync(join(wireDir, 'classes', 'MongoWireServer.class'));
  const main = compiled ? ['MongoWireServer'] : [join(apiDir, 'test', 'mongo-wire', 'MongoWireServer.java')];
  const classpath = compiled ? `${join(wireDir, 'classes')}:${jars}/*` : `${jars}/*`;
  // Tests: C1 only (jvmArgs), since the server lives for seconds and fast start beats peak speed.
  const args = [...jvmArgs, '-Xss512k', '-cp', classpath, ...main, String(port)];
  // stdin stays open as a lifeline: the server exits when it closes, i.e. when this process dies.
  const proc = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'] });

  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = readyLine.exec(output);
      if (match) {
        proc.stdout!.off('data', onData);
        proc.off('exit', onExit);
        resolve({ proc, port: Number(match[1]) });
      }
    };
    const onExit = (code: number | null) => {
      reject(new Error(`mongo-java-server exited (code ${code}) before it was ready:\n${output}`));
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.on('exit', onExit);
    proc.on('error', reject);
  });
}
