// French strings of the play pages (merged into the fr dictionary by i18n.js).
export default {
  'nav.play': 'Jouer',
};
