// Russian strings of the play pages (merged into the ru dictionary by i18n.js).
export default {
  'nav.play': 'Играть',
};
