// French strings of the tournament pages (merged into the fr dictionary by i18n.js).
export default {
  'nav.tournament': 'Tournoi',
};
