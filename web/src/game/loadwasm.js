// Fetches and compiles the simulation's WebAssembly once per page; later calls share it.
// esbuild (web/build.mjs) turns the import below into the hashed /static/ URL.
import wasmUrl from '../../../build/wasm/pong.wasm';

let compiled = null;

/** Resolves to the compiled WebAssembly.Module (served as application/wasm). */
export function loadPongModule() {
  if (!compiled) {
    compiled = WebAssembly.compileStreaming(fetch(wasmUrl)).catch((err) => {
      compiled = null; // let a later attempt retry
      throw err;
    });
  }
  return compiled;
}
