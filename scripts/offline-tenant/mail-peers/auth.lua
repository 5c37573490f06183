-- Dovecot Lua passdb for XOAUTH2: forwards user + token + service to the node checker
-- ({{CHECKER_URL}}) and maps its answer to a passdb result. The token is never logged.
local http_client = dovecot.http.client { timeout = 5000; max_attempts = 1; }

local function json_str(s)
  return '"' .. tostring(s):gsub('[%c"\\]', function(c) return string.format('\\u%04x', c:byte()) end) .. '"'
end

function auth_password_verify(req, token)
  local body = '{"user":' .. json_str(req.user) .. ',"token":' .. json_str(token) ..
               ',"service":' .. json_str(req.service) .. ',"mech":' .. json_str(req.mech) .. '}'
  local request = http_client:request { url = "{{CHECKER_URL}}"; method = "POST"; }
  request:add_header("content-type", "application/json")
  request:set_payload(body)
  local response = request:submit()
  if response:status() ~= 200 then
    return dovecot.auth.PASSDB_RESULT_INTERNAL_FAILURE, "checker HTTP " .. response:status()
  end
  local payload = response:payload()
  if payload:find('"ok":true', 1, true) then
    local oid = payload:match('"oid":"([^"]*)"') or ""
    req:log_info("lua: ALLOW service=" .. req.service .. " user=" .. req.user .. " oid=" .. oid)
    return dovecot.auth.PASSDB_RESULT_OK, { oauth_oid = oid }
  end
  local reason = payload:match('"reason":"([^"]*)"') or "unknown"
  req:log_info("lua: DENY service=" .. req.service .. " user=" .. req.user .. " reason=" .. reason)
  return dovecot.auth.PASSDB_RESULT_PASSWORD_MISMATCH, reason
end

function auth_passdb_lookup(req)
  return dovecot.auth.PASSDB_RESULT_USER_UNKNOWN, "lookup not supported"
end
