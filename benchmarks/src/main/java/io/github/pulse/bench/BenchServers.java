package io.github.pulse.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Defaults shared by the benchmark servers. Spring Data Redis is on the benchmarks' class path for the cluster
 * scenario only; every other run leaves its auto-configuration out, so no server carries a Redis client, its threads
 * or a Redis health check it does not use.
 */
public final class BenchServers {

	/** Spring Boot's Redis auto-configurations. */
	static final String REDIS_AUTO_CONFIGURATIONS = String.join(",",
			"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
			"org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration",
			"org.springframework.boot.data.redis.autoconfigure.DataRedisRepositoriesAutoConfiguration",
			"org.springframework.boot.data.redis.autoconfigure.health.DataRedisHealthContributorAutoConfiguration",
			"org.springframework.boot.data.redis.autoconfigure.health.DataRedisReactiveHealthContributorAutoConfiguration",
			"org.springframework.boot.data.redis.autoconfigure.observation.LettuceObservationAutoConfiguration");

	private BenchServers() {
	}

	/**
	 * The arguments to run a benchmark server with: Redis's auto-configuration left out (added to an exclusion the
	 * arguments make, if any) unless they switch pulse's cluster on.
	 * @param args the command-line arguments
	 * @return the arguments to run with
	 */
	public static String[] arguments(String[] args) {
		if (Arrays.asList(args).contains("--pulse.cluster.enabled=true")) {
			return args;
		}
		String prefix = "--spring.autoconfigure.exclude=";
		List<String> result = new ArrayList<>();
		boolean excluded = false;
		for (String arg : args) {
			if (arg.startsWith(prefix)) {
				arg = arg + "," + REDIS_AUTO_CONFIGURATIONS;
				excluded = true;
			}
			result.add(arg);
		}
		if (!excluded) {
			result.add(prefix + REDIS_AUTO_CONFIGURATIONS);
		}
		return result.toArray(String[]::new);
	}

}
