#!/usr/bin/env node
// Builds the front end into static/build/ (gitignored): `npm ci && npm run build`.
//
//   app.css                  frontend/app.scss compiled (GOV.UK + MOJ Frontend, Arial)
//   app.js, supported.js     our entry modules (frontend/)
//   govuk-frontend.min.js    GOV.UK Frontend's ES module, as published (+ .map)
//   moj-frontend.min.js      MOJ Frontend's ES module, as published (+ .map)
//   assets/images/...        only the images app.css refers to, plus our favicon
//
// Nothing is fetched at run time. No crown, crest, GOV.UK logo or GDS Transport
// font is copied: this is not a GOV.UK-domain service.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

import * as sass from 'sass'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'static', 'build')
const assetsUrl = '/static/build/assets/' // must match $moj-assets-path in frontend/app.scss
const govuk = join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const moj = join(root, 'node_modules', '@ministryofjustice', 'frontend', 'moj')
const imageSources = [join(moj, 'assets', 'images'), join(govuk, 'assets', 'images')]
// Referenced by GOV.UK Frontend's footer (.govuk-footer__copyright-logo), which we
// never use. The royal crest is not ours to show, so the reference is dropped.
const dropped = new Set(['govuk-crest.svg'])

const started = Date.now()

function copy (from, to) {
  mkdirSync(dirname(to), { recursive: true })
  copyFileSync(from, to)
}

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

// Styles. MOJ Frontend still calls some mixins that GOV.UK Frontend 6 deprecates;
// those warnings are about code in node_modules, not ours, so count them only.
let dependencyWarnings = 0
const result = sass.compile(join(root, 'frontend', 'app.scss'), {
  loadPaths: [root],
  style: 'compressed',
  quietDeps: true,
  logger: {
    warn (message, { span, stack = '' }) {
      // The caller is the first frame outside GOV.UK Frontend's own helpers.
      const caller = stack.split('\n').find((line) => !line.includes('node_modules/govuk-frontend/')) ?? ''
      const where = span ? relative(root, fileURLToPath(span.url)) : caller
      if (where.includes('node_modules/') || (!span && !caller)) {
        dependencyWarnings += 1
        return
      }
      console.warn(`sass warning: ${message}\n    ${where}`)
    }
  }
})

let css = result.css
for (const name of dropped) {
  css = css.replaceAll(new RegExp(`url\\(["']?${assetsUrl}images/${name.replace('.', '\\.')}["']?\\)`, 'g'), 'none')
}

// Copy every image the stylesheet points at, and fail if one cannot be found:
// Django's manifest storage refuses to collect a stylesheet with a dangling url().
const referenced = new Set()
for (const match of css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
  const url = match[1]
  if (url.startsWith('data:')) continue
  if (!url.startsWith(assetsUrl)) {
    throw new Error(`app.css refers to ${url}, outside ${assetsUrl}`)
  }
  referenced.add(url.slice(assetsUrl.length))
}
for (const path of referenced) {
  const name = path.replace(/^images\//, '')
  const source = imageSources.map((dir) => join(dir, name)).find(existsSync)
  if (!path.startsWith('images/') || !source) {
    throw new Error(`app.css refers to ${assetsUrl}${path}, which no package provides`)
  }
  copy(source, join(out, 'assets', path))
}
copy(join(root, 'frontend', 'favicon.svg'), join(out, 'assets', 'images', 'favicon.svg'))
writeFileSync(join(out, 'app.css'), css)

// Scripts: the published ES module builds, copied with their source maps (Django's
// manifest storage follows the sourceMappingURL comments), and our entry modules.
for (const file of ['govuk-frontend.min.js', 'govuk-frontend.min.js.map']) {
  copy(join(govuk, file), join(out, file))
}
for (const file of ['moj-frontend.min.js', 'moj-frontend.min.js.map']) {
  copy(join(moj, file), join(out, file))
}
for (const file of ['app.js', 'supported.js']) {
  copy(join(root, 'frontend', file), join(out, file))
}

const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`
console.log(`static/build: app.css ${kib(css.length)}, ${referenced.size} images, ` +
  `${dependencyWarnings} Sass warnings from dependencies hidden, ${Date.now() - started} ms`)
