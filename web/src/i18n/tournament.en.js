// English strings of the tournament pages (merged into the en dictionary by i18n.js).
export default {
  'nav.tournament': 'Tournament',
};
