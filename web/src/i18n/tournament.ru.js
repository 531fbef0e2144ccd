// Russian strings of the tournament pages (merged into the ru dictionary by i18n.js).
export default {
  'nav.tournament': 'Турнир',
};
