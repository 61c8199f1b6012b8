"""Everything the service answers over HTTP that is not a GraphQL operation, one module per kind
of route, and what every request passes through:

    services.py       what one API process holds (engine, Redis, verifier, clock); its lifespan
    middleware.py     request id, bearer token -> Actor, unhandled errors; the middleware stack
    graphql_body.py   what a POST to /graphql must be before the schema sees it
    graphql_endpoint.py  /graphql itself (the schema is api/schema.py), and GraphiQL's files
    graphiql.py       GraphiQL's page and files, served from the service's own copies
    health.py         /healthz and /readyz
    reports.py        the exception report of an Inadequate process (.html, .pdf)
    survey_csv.py     a survey campaign's results and comments as CSV
    printed_cards.py  the sheet of a campaign's printed invitations
    respondents/      the survey respondents' JSON API (/respond/v1) and phone page (/s)
    errors.py         the JSON refusals the staff downloads share
    log_redaction.py  survey tokens kept out of the access log

`api/app.py` composes these into the application.
"""
