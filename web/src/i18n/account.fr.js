// fr strings of the account pages (merged by i18n.js).
export default {
};
