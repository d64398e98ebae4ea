// Marks the page as able to run GOV.UK Frontend's JavaScript. GOV.UK Frontend's
// page template does this with an inline script; our Content Security Policy
// forbids inline scripts, so it is a module of its own. Browsers that cannot
// run modules never get here, and so keep the no-JavaScript styles.
document.body.classList.add('js-enabled', 'govuk-frontend-supported')
