// Entry module: starts GOV.UK Frontend and MOJ Frontend components on the page.
// The two libraries are copied beside this file by scripts/build_static.mjs.
import { initAll as initGovukFrontend } from './govuk-frontend.min.js'
import { initAll as initMojFrontend } from './moj-frontend.min.js'

if (!document.body.classList.contains('govuk-frontend-supported')) {
  // supported.js normally runs first; module scripts run in document order.
  document.body.classList.add('js-enabled', 'govuk-frontend-supported')
}

initGovukFrontend()
initMojFrontend()
