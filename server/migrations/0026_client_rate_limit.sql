-- A client's own API rate limit (requests a minute per access token), over RATE_LIMIT_API: a
-- system integration needs more than a person's token; NULL keeps the default.
ALTER TABLE oauth_client ADD COLUMN rate_limit_per_minute integer CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute >= 0);
