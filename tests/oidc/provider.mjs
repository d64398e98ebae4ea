// A real OpenID Connect provider for the sign-in tests: the npm package oidc-provider
// (a certified implementation) on 127.0.0.1, with one client (the tracker) and two
// accounts: jane, whom the tracker knows by email, and stranger, whom it doesn't.
// Its development login and consent pages take any password.
import Provider from 'oidc-provider'

const port = Number(process.env.OIDC_PORT)
const redirectUri = process.env.OIDC_REDIRECT_URI

const accounts = {
  jane: {
    oid: '6f1c-jane',
    email: 'jane.smith@staffordshire.police.uk',
    email_verified: true,
    name: 'Jane Smith',
    given_name: 'Jane',
    family_name: 'Smith',
    groups: ['force-staff'],
  },
  stranger: {
    oid: '6f1c-stranger',
    email: 'someone.else@example.org',
    email_verified: true,
    name: 'Someone Else',
    given_name: 'Someone',
    family_name: 'Else',
    groups: [],
  },
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: 'peel-tracker',
      client_secret: 'peel-tracker-secret',
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'oid', 'groups'],
  },
  async findAccount (ctx, id) {
    const account = accounts[id]
    if (!account) return undefined
    return { accountId: id, async claims () { return { sub: id, ...account } } }
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['peel-test-only-cookie-key'] },
})
provider.proxy = false

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready on ${port}`)
})
