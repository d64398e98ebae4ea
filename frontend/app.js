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

// Owner filters: suggest people as a name is typed. The input works without this (it
// matches any part of a name on submit); here a <datalist> offers the names the
// server finds (improvements:people), so a large force never lists everyone.
for (const input of document.querySelectorAll('input[data-people-url]')) {
  const list = document.getElementById(input.getAttribute('list'))
  if (!list) continue
  let timer = null
  let asked = ''
  input.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(async () => {
      const text = input.value.trim()
      if (text.length < 2 || text === asked) return
      asked = text
      const url = new URL(input.dataset.peopleUrl, window.location.href)
      url.searchParams.set('q', text)
      try {
        const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
        if (!response.ok) return
        const { results } = await response.json()
        list.replaceChildren(...results.map(({ value }) => Object.assign(document.createElement('option'), { value })))
      } catch (error) {
        // No suggestions; typing a name still works.
      }
    }, 200)
  })
}
