// English strings of the play pages (merged into the en dictionary by i18n.js).
export default {
  'nav.play': 'Play',
};
