import HNSRedis

/// The Lua scripts that keep each queue change atomic, whichever instance runs it.
enum QueueScripts {
    /// Join, idempotent per user, with the per-user and per-IP rate limits; answers with the fan's
    /// status too, so a join is one round trip.
    /// KEYS: config users qids waiting prequeue seq seen rl_user rl_ip admits
    /// ARGV: user new_qid now_ms user_limit ip_limit rl_window_ms window_prefix
    static let join = RedisScript(
        """
        local state = redis.call('HGET', KEYS[1], 'state')
        if not state then return {'no_queue'} end
        local u = redis.call('INCR', KEYS[8])
        if u == 1 then redis.call('PEXPIRE', KEYS[8], ARGV[6]) end
        local i = redis.call('INCR', KEYS[9])
        if i == 1 then redis.call('PEXPIRE', KEYS[9], ARGV[6]) end
        if u > tonumber(ARGV[4]) then return {'limited', 'user', tostring(redis.call('PTTL', KEYS[8]))} end
        if i > tonumber(ARGV[5]) then return {'limited', 'ip', tostring(redis.call('PTTL', KEYS[9]))} end
        local outcome = 'existing'
        local qid = redis.call('HGET', KEYS[2], ARGV[1])
        if not qid then
          if state == 'scheduled' or state == 'closed' then return {'refused', state} end
          if redis.call('HGET', KEYS[1], 'sold_out') == '1' then return {'refused', 'sold_out'} end
          outcome = 'new'
          qid = ARGV[2]
          redis.call('HSET', KEYS[2], ARGV[1], qid)
          redis.call('HSET', KEYS[3], qid, ARGV[1])
          local n = redis.call('INCR', KEYS[6])
          if redis.call('HGET', KEYS[1], 'drawn') == '1' then
            redis.call('ZADD', KEYS[4], n, qid)
          else
            redis.call('ZADD', KEYS[5], n, qid)
          end
          redis.call('ZADD', KEYS[7], ARGV[3], qid)
        end

        """
            + statusLua(
                config: "KEYS[1]", waiting: "KEYS[4]", prequeue: "KEYS[5]", admits: "KEYS[10]", seen: "KEYS[7]", window: "ARGV[7] .. qid",
                now: "ARGV[3]")
                + """

                table.insert(status, 1, qid)
                table.insert(status, 1, outcome)
                return status
                """)

    /// Where fan `qid` stands, as a flat list (see `QueueStore.parseStatus`); marks the fan as seen.
    /// Uses: config waiting prequeue admits seen (keys), window key name, now_ms.
    static func statusLua(config: String, waiting: String, prequeue: String, admits: String, seen: String, window: String, now: String)
        -> String
    {
        """
        local cfg = redis.call('HMGET', \(config), 'state', 'sold_out', 'admission_per_minute', 'drawn')
        local rank = redis.call('ZRANK', \(waiting), qid)
        local w = redis.call('HMGET', \(window), 'token', 'ends_at')
        local pre = redis.call('ZSCORE', \(prequeue), qid)
        local admitted = redis.call('ZCOUNT', \(admits), tonumber(\(now)) - 60000, '+inf')
        redis.call('ZADD', \(seen), 'XX', \(now), qid)
        local status = {cfg[1] or '', cfg[2] or '0', cfg[3] or '0', cfg[4] or '0', rank or -1, w[1] or '', w[2] or '',
                pre and 1 or 0, admitted, redis.call('ZCARD', \(prequeue))}
        """
    }

    /// KEYS: config waiting prequeue window admits seen; ARGV: qid now_ms
    static let status = RedisScript(
        "local qid = ARGV[1]\n"
            + statusLua(
                config: "KEYS[1]", waiting: "KEYS[2]", prequeue: "KEYS[3]", admits: "KEYS[5]", seen: "KEYS[6]", window: "KEYS[4]", now: "ARGV[2]")
            + "\nreturn status")

    /// Take or renew the leader lock. KEYS: lock; ARGV: owner ttl_ms
    static let lock = RedisScript(
        """
        local v = redis.call('GET', KEYS[1])
        if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
        if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
        return 0
        """)

    /// The pre-queue draw: order = entrants sorted by sha1(seed .. ':' .. queue_id). Runs once per queue.
    /// KEYS: config prequeue waiting entrants lock; ARGV: owner ('' = no lock check) now_ms
    static let draw = RedisScript(
        """
        if ARGV[1] ~= '' and redis.call('GET', KEYS[5]) ~= ARGV[1] then return -1 end
        if redis.call('HGET', KEYS[1], 'drawn') == '1' then return -2 end
        local seed = redis.call('HGET', KEYS[1], 'seed')
        local ids = redis.call('ZRANGE', KEYS[2], 0, -1)
        local keyed = {}
        for i, id in ipairs(ids) do keyed[i] = {redis.sha1hex(seed .. ':' .. id), id} end
        table.sort(keyed, function(a, b) return a[1] < b[1] end)
        for i, e in ipairs(keyed) do redis.call('ZADD', KEYS[3], i, e[2]) end
        redis.call('DEL', KEYS[4])
        if #ids > 0 then redis.call('RENAME', KEYS[2], KEYS[4]) end
        redis.call('HSET', KEYS[1], 'drawn', '1', 'drawn_at', ARGV[2], 'entrants', #ids, 'state', 'open')
        return #ids
        """)

    /// Opens purchase windows for fans still at the head of the line.
    /// KEYS: lock waiting windows seen events admits config
    /// ARGV: owner now_ms channel match window_prefix grace_ms, then per fan: qid user token ends_ms jti
    static let admit = RedisScript(
        """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
        local admitted = 0
        for i = 7, #ARGV, 5 do
          local qid, user, token, ends, jti = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
          if redis.call('ZREM', KEYS[2], qid) == 1 then
            local wk = ARGV[5] .. qid
            redis.call('HSET', wk, 'user', user, 'token', token, 'ends_at', ends, 'jti', jti)
            redis.call('PEXPIREAT', wk, tonumber(ends) + tonumber(ARGV[6]))
            redis.call('ZADD', KEYS[3], ends, qid)
            redis.call('ZREM', KEYS[4], qid)
            redis.call('ZADD', KEYS[6], ARGV[2], qid)
            redis.call('XADD', KEYS[5], 'MAXLEN', '~', 1000000, '*', 'type', 'queue.turn_granted', 'match_id', ARGV[4],
              'user_id', user, 'queue_id', qid, 'jti', jti, 'window_ends_at', ends, 'at', ARGV[2])
            redis.call('PUBLISH', ARGV[3], cjson.encode({kind = 'turn', match = ARGV[4], qid = qid, token = token, ends = tonumber(ends)}))
            admitted = admitted + 1
          end
        end
        redis.call('HINCRBY', KEYS[7], 'admitted_total', admitted)
        return admitted
        """)

    /// Ends a purchase window (expired, or released early by the monolith) exactly once and frees its slot.
    /// KEYS: windows users qids events lock
    /// ARGV: owner('' = no lock check) qid('' = look up user) user match channel window_prefix event_type now_ms
    static let endWindow = RedisScript(
        """
        if ARGV[1] ~= '' and redis.call('GET', KEYS[5]) ~= ARGV[1] then return -1 end
        local qid = ARGV[2]
        if qid == '' then qid = redis.call('HGET', KEYS[2], ARGV[3]) end
        if not qid then return 0 end
        if redis.call('ZREM', KEYS[1], qid) == 0 then return 0 end
        local user = redis.call('HGET', KEYS[3], qid)
        local w = redis.call('HMGET', ARGV[6] .. qid, 'jti', 'ends_at')
        redis.call('DEL', ARGV[6] .. qid)
        if user then redis.call('HDEL', KEYS[2], user) end
        redis.call('HDEL', KEYS[3], qid)
        redis.call('XADD', KEYS[4], 'MAXLEN', '~', 1000000, '*', 'type', ARGV[7], 'match_id', ARGV[4],
          'user_id', user or '', 'queue_id', qid, 'jti', w[1] or '', 'window_ends_at', w[2] or '', 'at', ARGV[8])
        redis.call('PUBLISH', ARGV[5], cjson.encode({kind = 'ended', match = ARGV[4], qid = qid, reason = ARGV[7]}))
        return 1
        """)

    /// Removes a fan who is still waiting (explicit leave, or not seen since `cutoff`).
    /// KEYS: waiting prequeue seen users qids; ARGV: qid cutoff_ms('' = unconditional) match channel reason
    static let leave = RedisScript(
        """
        if ARGV[2] ~= '' then
          local seen = redis.call('ZSCORE', KEYS[3], ARGV[1])
          if seen and tonumber(seen) > tonumber(ARGV[2]) then return 0 end
        end
        local removed = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('ZREM', KEYS[3], ARGV[1])
        if removed == 0 then return 0 end
        local user = redis.call('HGET', KEYS[5], ARGV[1])
        if user then redis.call('HDEL', KEYS[4], user) end
        redis.call('HDEL', KEYS[5], ARGV[1])
        redis.call('PUBLISH', ARGV[4], cjson.encode({kind = 'ended', match = ARGV[3], qid = ARGV[1], reason = ARGV[5]}))
        return 1
        """)
}
