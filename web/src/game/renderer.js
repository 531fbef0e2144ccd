// The Pong renderer: draws a game state (game/pong.js state(), in pixels) onto a canvas.
// It knows nothing of where states come from: the local board feeds it the simulation's
// steps, a remote game can feed it the server's snapshots.
//
//   const renderer = createRenderer(canvas, geometry);
//   renderer.fit();                       // canvas backing store = CSS size × devicePixelRatio
//   renderer.draw({ state, prev, alpha, trail, serveRing });
//
// `prev` and `alpha` interpolate paddles and ball between two states (alpha 0 = prev,
// 1 = state); `trail` holds the ball's recent positions while the fast effect lasts (see
// nextTrail()); `serveRing` false hides the serve countdown ring (during an intro countdown
// or once the game is over).
import { STATUS } from './pong.js';

export const TRAIL_LENGTH = 10;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

export const COLORS = Object.freeze({
  field: '#0f172a',
  border: 'rgba(255, 255, 255, 0.18)',
  net: 'rgba(255, 255, 255, 0.35)',
  faintScore: 'rgba(255, 255, 255, 0.10)',
  paddle: '#f8f9fa',
  ball: '#ffc107',
  obstacle: '#334a7d',
  obstacleEdge: '#8ea6e0',
  ring: 'rgba(255, 193, 7, 0.8)',
});

/** Power-up kinds: colour and symbol on the canvas (the legend uses the same, via CSS classes). */
export const POWERUP_LOOK = Object.freeze({
  grow: Object.freeze({ color: '#20c997', symbol: '+' }),
  shrink: Object.freeze({ color: '#fd7e14', symbol: '−' }),
  fast: Object.freeze({ color: '#f06595', symbol: '»' }),
});

export function lerp(a, b, t) {
  return a + (b - a) * t;
}

/**
 * The ball trail after `state`: emptied when the ball `jumped` (a point, a serve) and
 * whenever the fast effect is off; otherwise the ball's position is appended (at most
 * TRAIL_LENGTH kept). Returns the trail to draw (a new array when it was emptied).
 */
export function nextTrail(trail, state, jumped = false) {
  let next = jumped ? [] : trail;
  if (state.effects.fast > 0 && state.status === STATUS.PLAYING) {
    next.push({ x: state.ball.x, y: state.ball.y });
    if (next.length > TRAIL_LENGTH) next.shift();
  } else if (next.length) {
    next = [];
  }
  return next;
}

function roundRect(c, x, y, w, hgt, r) {
  c.beginPath();
  c.moveTo(x + r, y);
  c.arcTo(x + w, y, x + w, y + hgt, r);
  c.arcTo(x + w, y + hgt, x, y + hgt, r);
  c.arcTo(x, y + hgt, x, y, r);
  c.arcTo(x, y, x + w, y, r);
  c.closePath();
}

/**
 * A renderer for `canvas` and the game's `geometry` (pong.js PongGame.geometry).
 * `win` (tests) gives devicePixelRatio. Returns { fit() → resized?, draw(frame) }.
 */
export function createRenderer(canvas, geo, { win = globalThis.window } = {}) {
  const W = geo.width;
  const H = geo.height;
  const c = canvas.getContext('2d');

  /** Sizes the backing store to the CSS width × devicePixelRatio; true when it changed. */
  function fit() {
    const cssWidth = canvas.clientWidth;
    if (!cssWidth) return false;
    const dpr = win?.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(cssWidth * dpr));
    const height = Math.max(1, Math.round((cssWidth * dpr * H) / W));
    if (canvas.width === width && canvas.height === height) return false;
    canvas.width = width;
    canvas.height = height;
    return true;
  }

  function field(cur) {
    c.fillStyle = COLORS.field;
    c.fillRect(0, 0, W, H);
    c.strokeStyle = COLORS.border;
    c.lineWidth = 4;
    c.strokeRect(2, 2, W - 4, H - 4);
    c.strokeStyle = COLORS.net;
    c.lineWidth = 4;
    c.setLineDash([16, 14]);
    c.beginPath();
    c.moveTo(W / 2, 10);
    c.lineTo(W / 2, H - 4);
    c.stroke();
    c.setLineDash([]);

    // big faint scores
    c.fillStyle = COLORS.faintScore;
    c.font = `700 110px ${FONT}`;
    c.textAlign = 'center';
    c.textBaseline = 'top';
    c.fillText(String(cur.score[0]), W / 4, 30);
    c.fillText(String(cur.score[1]), (3 * W) / 4, 30);

    for (const o of cur.obstacles) {
      c.fillStyle = COLORS.obstacle;
      roundRect(c, o.x, o.y, o.w, o.h, 4);
      c.fill();
      c.strokeStyle = COLORS.obstacleEdge;
      c.lineWidth = 2;
      c.stroke();
    }
  }

  function powerup(cur) {
    if (!cur.item || !POWERUP_LOOK[cur.item.kind]) return;
    const blink = cur.item.timer < 2 * geo.stepsPerSecond && Math.floor(cur.tick / 8) % 2 === 0;
    if (blink) return;
    const look = POWERUP_LOOK[cur.item.kind];
    const size = geo.powerupSize;
    c.save();
    c.shadowColor = look.color;
    c.shadowBlur = 14 + 6 * Math.sin(cur.tick / 8);
    c.fillStyle = look.color;
    roundRect(c, cur.item.x, cur.item.y, size, size, 7);
    c.fill();
    c.restore();
    c.fillStyle = '#fff';
    c.font = `800 22px ${FONT}`;
    c.textAlign = 'center';
    c.textBaseline = 'middle';
    c.fillText(look.symbol, cur.item.x + size / 2, cur.item.y + size / 2 + 1);
  }

  // Paddles, tinted by their effects.
  function paddles(cur, prev, alpha) {
    for (const s of [0, 1]) {
      const y = lerp(prev.paddles[s].y, cur.paddles[s].y, alpha);
      const ph = cur.paddles[s].h;
      const x = s === 0 ? geo.paddleInset : W - geo.paddleInset - geo.paddleWidth;
      const effect = cur.effects.grow[s] > 0 ? 'grow' : cur.effects.shrink[s] > 0 ? 'shrink' : null;
      c.save();
      if (effect) {
        c.shadowColor = POWERUP_LOOK[effect].color;
        c.shadowBlur = 18;
        c.fillStyle = POWERUP_LOOK[effect].color;
      } else {
        c.fillStyle = COLORS.paddle;
      }
      roundRect(c, x, y, geo.paddleWidth, ph, 3);
      c.fill();
      c.restore();
    }
  }

  // Ball trail (fast effect), ball, and the serve countdown ring around it.
  function ball(cur, prev, alpha, trail, ring) {
    const fast = cur.effects.fast > 0;
    for (let i = 0; i < trail.length; i += 1) {
      const p = trail[i];
      const k = (i + 1) / (trail.length + 1);
      c.globalAlpha = 0.6 * k;
      c.fillStyle = POWERUP_LOOK.fast.color;
      c.beginPath();
      c.arc(p.x + geo.ball / 2, p.y + geo.ball / 2, (geo.ball / 2) * (0.5 + 0.5 * k), 0, Math.PI * 2);
      c.fill();
    }
    c.globalAlpha = 1;
    const bx = lerp(prev.ball.x, cur.ball.x, alpha) + geo.ball / 2;
    const by = lerp(prev.ball.y, cur.ball.y, alpha) + geo.ball / 2;
    c.save();
    c.fillStyle = COLORS.ball;
    if (fast) {
      c.shadowColor = POWERUP_LOOK.fast.color;
      c.shadowBlur = 16;
    }
    c.beginPath();
    c.arc(bx, by, geo.ball / 2 + 0.5, 0, Math.PI * 2);
    c.fill();
    c.restore();

    if (ring) {
      const f = cur.serveTimer / geo.serveSteps;
      c.strokeStyle = COLORS.ring;
      c.lineWidth = 3;
      c.beginPath();
      c.arc(bx, by, 20, -Math.PI / 2, -Math.PI / 2 + f * Math.PI * 2);
      c.stroke();
    }
  }

  // Effect timers: small badges at the bottom of each half (fast: in the middle).
  function badges(cur) {
    const badge = (kind, steps, x, align) => {
      const look = POWERUP_LOOK[kind];
      const label = `${look.symbol} ${Math.ceil(steps / geo.stepsPerSecond)}s`;
      c.font = `700 16px ${FONT}`;
      const w = c.measureText(label).width + 16;
      const left = align === 'left' ? x : align === 'right' ? x - w : x - w / 2;
      c.fillStyle = look.color;
      roundRect(c, left, H - 34, w, 24, 12);
      c.fill();
      c.fillStyle = '#0b1020';
      c.textAlign = 'center';
      c.textBaseline = 'middle';
      c.fillText(label, left + w / 2, H - 21);
      return w;
    };
    for (const s of [0, 1]) {
      let offset = 0;
      for (const kind of ['grow', 'shrink']) {
        const steps = cur.effects[kind][s];
        if (steps <= 0) continue;
        const gap = offset ? offset + 8 : 0;
        const w = s === 0 ? badge(kind, steps, 56 + gap, 'left') : badge(kind, steps, W - 56 - gap, 'right');
        offset += w + (offset ? 8 : 0);
      }
    }
    if (cur.effects.fast > 0) badge('fast', cur.effects.fast, W / 2, 'center');
  }

  /** Draws one frame: `state` (interpolated from `prev` by `alpha`), `trail`, the serve ring if `serveRing`. */
  function draw({ state, prev = state, alpha = 1, trail = [], serveRing = true }) {
    if (!c) return;
    const scale = canvas.width / W;
    c.setTransform(scale, 0, 0, scale, 0, 0);
    c.shadowBlur = 0;
    c.globalAlpha = 1;
    field(state);
    powerup(state);
    paddles(state, prev, alpha);
    ball(state, prev, alpha, trail, serveRing && state.status === STATUS.SERVING);
    badges(state);
  }

  return { fit, draw };
}
