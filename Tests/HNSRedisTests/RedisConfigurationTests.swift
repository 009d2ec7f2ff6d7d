import HNSRedis
import Testing

@Suite struct RedisConfigurationTests {
    @Test func url_with_defaults() throws {
        let config = try RedisConfiguration(url: "redis://cache.internal")
        #expect(config.host == "cache.internal")
        #expect(config.port == 6379)
        #expect(config.database == 0)
        #expect(config.username == nil && config.password == nil)
    }

    @Test func url_with_password_only_port_and_database() throws {
        let config = try RedisConfiguration(url: "redis://:s3cr%40t@10.0.0.7:6380/2")
        #expect(config.host == "10.0.0.7")
        #expect(config.port == 6380)
        #expect(config.database == 2)
        #expect(config.username == nil)
        #expect(config.password == "s3cr@t")
        #expect(!config.description.contains("s3cr"))
    }

    @Test func url_with_acl_user_and_ipv6_host() throws {
        let config = try RedisConfiguration(url: "redis://queue:pw@[::1]:7000/3")
        #expect(config.username == "queue")
        #expect(config.password == "pw")
        #expect(config.host == "::1")
        #expect(config.port == 7000)
        #expect(config.database == 3)
    }

    @Test(arguments: ["http://localhost", "rediss://localhost", "redis://", "redis://host:port", "redis://host/db", "redis://h:70000"])
    func invalid_urls_are_rejected(_ url: String) {
        #expect {
            _ = try RedisConfiguration(url: url)
        } throws: { error in
            guard case .invalidURL = error as? RedisError else { return false }
            return true
        }
    }

    @Test func script_sha1_matches_known_vectors() {
        #expect(RedisScript("").sha1 == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(RedisScript("abc").sha1 == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(
            RedisScript("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").sha1
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }
}
