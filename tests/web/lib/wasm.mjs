// The simulation's compiled WebAssembly for Node tests (build/wasm/pong.wasm, `make wasm`).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PongGame } from '../../../web/src/game/pong.js';

export const WASM_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../../build/wasm/pong.wasm');

let compiled = null;
/** The compiled module (once per process). */
export function pongModule() {
  if (!compiled) compiled = new WebAssembly.Module(readFileSync(WASM_PATH));
  return compiled;
}

/** A new PongGame on its own instance (synchronous: Node allows it), reset to `options`. */
export function newGame(options, seed = 1) {
  const game = new PongGame(new WebAssembly.Instance(pongModule(), {}));
  game.reset(options, seed);
  return game;
}
