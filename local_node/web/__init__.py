"""The site's local web app: HTML pages over the node's use cases, served at `/`.

It needs nothing from the cloud (it works with the WAN down). People sign in as local
users (`edgesync node create-user`); API tokens stay for scripts. One module per page; the
pages' security (headers, CSRF seed, cross-site refusal) comes from `PageGuard`, sessions and
the form-token check from `session`.
"""
