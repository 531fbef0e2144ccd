// The game loop: a fixed 60 steps/s simulation driven by the display's frames.
//
//   createStepClock()   the accumulator: each frame's time → how many whole steps to run
//                       (at most MAX_STEPS_PER_FRAME; a long gap is dropped, not caught up)
//                       and `alpha`, how far the display is between the last two steps
//                       (for interpolated drawing). Pure: tests feed it times.
//   runFrames(onFrame)  calls onFrame(now) on every animation frame until stopped.
//
// The clock does not know what a step is: the local board steps the simulation, a remote
// game would not step at all and interpolate between the server's snapshots instead.

export const STEP_MS = 1000 / 60;
export const MAX_STEPS_PER_FRAME = 4;
export const MAX_FRAME_MS = 100;   // a longer gap (GC, background) is dropped, not caught up

/**
 * A fixed-step accumulator. Returns { advance(now, step) → { steps, alpha, stopped },
 * hold(), reset() }:
 *   advance  adds the time since the previous advance (at most maxFrameMs; nothing on the
 *            first call after a hold) and calls step() once per whole step due, at most
 *            maxSteps times; step() returning true stops the game (game over): alpha is
 *            then 1. Time that could not be caught up is dropped.
 *   hold     time stands still (paused, not started): the next advance starts afresh.
 *   reset    hold, and forget the time accumulated (a new game).
 */
export function createStepClock({ stepMs = STEP_MS, maxSteps = MAX_STEPS_PER_FRAME, maxFrameMs = MAX_FRAME_MS } = {}) {
  let acc = 0;
  let last = null;
  return {
    advance(now, step) {
      if (last !== null) acc += Math.min(now - last, maxFrameMs);
      last = now;
      let steps = 0;
      let stopped = false;
      while (acc >= stepMs && steps < maxSteps && !stopped) {
        stopped = step() === true;
        acc -= stepMs;
        steps += 1;
      }
      if (acc >= stepMs || stopped) acc %= stepMs;   // what could not be caught up is dropped
      return { steps, alpha: stopped ? 1 : acc / stepMs, stopped };
    },
    hold() {
      last = null;
    },
    reset() {
      acc = 0;
      last = null;
    },
  };
}

/**
 * Calls `onFrame(now)` on every animation frame of `win` until the returned stop() is
 * called (the next frame is requested before onFrame runs, as a throw would otherwise end
 * the loop).
 */
export function runFrames(onFrame, win = window) {
  let id = 0;
  const frame = (now) => {
    id = win.requestAnimationFrame(frame);
    onFrame(now);
  };
  id = win.requestAnimationFrame(frame);
  return () => win.cancelAnimationFrame(id);
}
