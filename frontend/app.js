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

// The idle timeout warning (the GOV.UK timeout-warning pattern): the server ends a
// session after data-idle-seconds without activity; shortly before, a dialog offers to
// stay signed in (a POST to the keep-alive URL). Without JavaScript the timeout still
// happens on the server; only the warning is missing.
const timeout = document.getElementById('timeout-warning')
if (timeout && typeof timeout.showModal === 'function') {
  const idle = Number(timeout.dataset.idleSeconds) * 1000
  const warn = Number(timeout.dataset.warnSeconds) * 1000
  const countdown = timeout.querySelector('[data-countdown]')
  let warnTimer = null
  let endTimer = null
  let tick = null
  let deadline = 0
  const schedule = () => {
    clearTimeout(warnTimer)
    clearTimeout(endTimer)
    clearInterval(tick)
    deadline = Date.now() + idle
    warnTimer = setTimeout(show, Math.max(idle - warn, 0))
    endTimer = setTimeout(() => window.location.reload(), idle + 1000)
  }
  const show = () => {
    const update = () => {
      const seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000))
      const minutes = Math.floor(seconds / 60)
      countdown.textContent = minutes >= 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${seconds} seconds`
    }
    update()
    tick = setInterval(update, 1000)
    timeout.showModal()
  }
  timeout.querySelector('form').addEventListener('submit', async (event) => {
    event.preventDefault()
    const form = event.target
    try {
      const response = await fetch(form.action, { method: 'POST', body: new FormData(form), credentials: 'same-origin' })
      if (!response.ok) { window.location.reload(); return }
    } catch (error) {
      window.location.reload()
      return
    }
    timeout.close()
    schedule()
  })
  schedule()
}
