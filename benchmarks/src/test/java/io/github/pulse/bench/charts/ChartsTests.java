package io.github.pulse.bench.charts;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Charts from the CSV files of a run: which PNGs are drawn from which files, and the section linking them.
 */
class ChartsTests {

	private static final String HEADER = "server,event,subscribers,publishers,rate,sent_per_s,deliveries_per_s,"
			+ "p50_ms,p99_ms,p999_ms,max_ms,lost,unsent,generator_cpu_pct,server_cpu_pct,server_us_per_delivery\n";

	@TempDir
	Path directory;

	@Test
	void fanOutEchoAndIdleFilesBecomeFourPngsLinkedFromTheReport() throws Exception {
		Path input = Files.createDirectories(this.directory.resolve("run"));
		Files.writeString(input.resolve("pulse.csv"), HEADER + "pulse,chat,200,2,20,20,4040,1.2,3.4,5.0,6.0,0,0,30,40,9.9\n"
				+ "pulse,chat,200,2,40,40,8080,1.5,4.5,7.0,9.0,0,0,50,70,8.7\n");
		Files.writeString(input.resolve("raw.csv"), HEADER + "raw,chat,200,2,20,20,4040,1.0,2.0,3.0,4.0,0,0,30,,\n");
		Files.writeString(input.resolve("pulse-echo.csv"), HEADER + "pulse-echo,echo,0,100,50,50,50,0.5,1.0,2.0,3.0,0,0,5,6,120\n");
		Files.writeString(input.resolve("idle-memory.csv"), "server,heap_kib,rss_kib\npulse,12.5,28.0\nsocketio,,16.0\n");
		Files.writeString(input.resolve("notes.csv"), "something,else\n1,2\n");
		Path report = Files.writeString(this.directory.resolve("benchmarks.md"), "# Benchmarks\n\n");

		Charts.main(new String[] { input.toString(), this.directory.resolve("charts").toString(), report.toString() });

		for (String chart : new String[] { "fan-out-latency", "fan-out-cpu", "echo-latency", "idle-memory" }) {
			BufferedImage image = ImageIO.read(this.directory.resolve("charts/" + chart + ".png").toFile());
			assertThat(image).as(chart).isNotNull();
			assertThat(image.getWidth()).isEqualTo(1000);
		}
		assertThat(Files.readString(report)).startsWith("# Benchmarks\n\n## Charts\n\n")
			.contains("![Fan-out, 200 subscribers: p99 latency against deliveries per second](charts/fan-out-latency.png)")
			.contains("![Memory per idle connection](charts/idle-memory.png)");
	}

	@Test
	void aDirectoryWithoutResultsGivesNoCharts() throws Exception {
		assertThat(Charts.write(ResultFiles.read(this.directory), this.directory.resolve("charts"))).isEmpty();
	}

}
