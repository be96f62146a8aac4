-- The lower bound: a bare Django view that parses a small JSON body and inserts one row.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"kind":"daily","person":{"full_name":"Nguyen Van A"}}'
