package io.github.pulse.bench.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import io.github.pulse.bench.charts.ResultFiles.Idle;
import io.github.pulse.bench.charts.ResultFiles.Step;

/**
 * Draws the benchmark charts from the CSV files of a run (see {@link ResultFiles}):
 * <ul>
 * <li>{@code fan-out-latency.png}: p99 latency (log scale) against deliveries per second, a line per server;</li>
 * <li>{@code fan-out-cpu.png}: server CPU per delivery against deliveries per second, when measured;</li>
 * <li>{@code echo-latency.png}: the same as the first for the echo scenario;</li>
 * <li>{@code idle-memory.png}: heap and RSS per idle connection, a pair of bars per server.</li>
 * </ul>
 * A chart without data is skipped. Runs headless.
 * <p>
 * Usage: {@code Charts <input-dir> <output-dir> [<report.md>]}; with a report, a "Charts" section linking the PNGs
 * (relative to the report) is appended to it.
 */
public final class Charts {

	private static final int WIDTH = 1000;

	private static final int HEIGHT = 600;

	/** Known servers first, in this order and with these colours, so every chart reads the same. */
	private static final Map<String, Color> KNOWN = new LinkedHashMap<>();

	static {
		KNOWN.put("pulse", new Color(0x1F, 0x77, 0xB4));
		KNOWN.put("raw", new Color(0xFF, 0x7F, 0x0E));
		KNOWN.put("stomp", new Color(0x2C, 0xA0, 0x2C));
		KNOWN.put("socketio", new Color(0x94, 0x67, 0xBD));
	}

	private static final Color[] OTHERS = { new Color(0x8C, 0x56, 0x4B), new Color(0xE3, 0x77, 0xC2),
			new Color(0x7F, 0x7F, 0x7F), new Color(0xBC, 0xBD, 0x22), new Color(0x17, 0xBE, 0xCF) };

	private static final Color LIMIT = new Color(0xD6, 0x27, 0x28);

	private Charts() {
	}

	/**
	 * Writes the charts.
	 * @param args input directory, output directory and, optionally, the markdown report to link them from
	 * @throws IOException if a file cannot be read or written
	 */
	public static void main(String[] args) throws IOException {
		System.setProperty("java.awt.headless", "true");
		if (args.length < 2 || args.length > 3) {
			System.err.println("Usage: Charts <input-dir> <output-dir> [<report.md>]");
			System.exit(2);
		}
		List<Written> written = write(ResultFiles.read(Path.of(args[0])), Path.of(args[1]));
		written.forEach((chart) -> System.out.println("wrote " + chart.file()));
		if (args.length == 3 && !written.isEmpty()) {
			Path report = Path.of(args[2]).toAbsolutePath();
			StringBuilder section = new StringBuilder("## Charts\n\n");
			for (Written chart : written) {
				String link = report.getParent().relativize(chart.file().toAbsolutePath()).toString().replace('\\', '/');
				section.append("![").append(chart.title()).append("](").append(link).append(")\n\n");
			}
			Files.writeString(report, section, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
		}
	}

	static List<Written> write(ResultFiles results, Path output) throws IOException {
		Files.createDirectories(output);
		List<Written> written = new ArrayList<>();
		List<Step> fanOut = results.steps().stream().filter((step) -> step.event().equals("chat")).toList();
		List<Step> echo = results.steps().stream().filter((step) -> step.event().equals("echo")).toList();
		if (!fanOut.isEmpty()) {
			String title = "Fan-out" + subscribers(fanOut) + ": p99 latency against deliveries per second";
			written.add(save(latency(title, "deliveries per second", fanOut), output.resolve("fan-out-latency.png"), title));
			List<Step> measured = fanOut.stream().filter((step) -> step.serverMicrosPerDelivery() != null).toList();
			if (!measured.isEmpty()) {
				String cpuTitle = "Fan-out" + subscribers(fanOut) + ": server CPU per delivery";
				written.add(save(cpu(cpuTitle, measured), output.resolve("fan-out-cpu.png"), cpuTitle));
			}
		}
		if (!echo.isEmpty()) {
			String title = "Echo" + clients(echo) + ": p99 latency against replies per second";
			written.add(save(latency(title, "replies per second", echo), output.resolve("echo-latency.png"), title));
		}
		if (!results.idle().isEmpty()) {
			String title = "Memory per idle connection";
			written.add(save(idle(title, results.idle()), output.resolve("idle-memory.png"), title));
		}
		return written;
	}

	static XYChart latency(String title, String xTitle, List<Step> steps) {
		XYChart chart = xyChart(title, xTitle, "p99 latency (ms, log scale)");
		Map<String, List<Step>> byServer = byServer(steps, (step) -> step.p99Millis() > 0);
		// whole decades around the data and the 100 ms line, so that no point sits on the frame
		double low = Math.min(100, byServer.values().stream().flatMap(List::stream).mapToDouble(Step::p99Millis).min().orElse(100));
		double high = Math.max(100, byServer.values().stream().flatMap(List::stream).mapToDouble(Step::p99Millis).max().orElse(100));
		chart.getStyler()
			.setYAxisLogarithmic(true)
			.setYAxisMin(Math.pow(10, Math.floor(Math.log10(low))))
			.setYAxisMax(Math.pow(10, Math.ceil(Math.log10(high * 1.01))))
			.setYAxisDecimalPattern("#,##0.##");
		byServer.forEach((server, series) -> line(chart, server, series, Step::p99Millis));
		double maxX = steps.stream().mapToDouble(Step::deliveriesPerSecond).max().orElse(1);
		XYSeries limit = chart.addSeries("p99 100 ms: the sustained limit", new double[] { 0, maxX },
				new double[] { 100, 100 });
		limit.setMarker(SeriesMarkers.NONE);
		limit.setLineColor(LIMIT);
		limit.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] { 6, 6 }, 0));
		return chart;
	}

	static XYChart cpu(String title, List<Step> steps) {
		XYChart chart = xyChart(title, "deliveries per second", "server CPU per delivery (µs)");
		chart.getStyler().setYAxisMin(0.0).setYAxisDecimalPattern("#,##0.#");
		byServer(steps, (step) -> true).forEach((server, series) -> line(chart, server, series,
				(step) -> step.serverMicrosPerDelivery()));
		return chart;
	}

	static CategoryChart idle(String title, List<Idle> rows) {
		CategoryChart chart = new CategoryChartBuilder().width(WIDTH)
			.height(HEIGHT)
			.title(title)
			.xAxisTitle("server")
			.yAxisTitle("KiB per connection")
			.build();
		style(chart.getStyler());
		chart.getStyler()
			.setLabelsVisible(true)
			.setLabelsPosition(0.9)
			.setAvailableSpaceFill(0.7)
			.setYAxisMin(0.0)
			.setYAxisDecimalPattern("#,##0.#");
		chart.getStyler().setSeriesColors(new Color[] { new Color(0x1F, 0x77, 0xB4), new Color(0xAE, 0xC7, 0xE8) });
		List<Idle> ordered = rows.stream().sorted(Comparator.comparing(Idle::server, Charts::compareServers)).toList();
		List<String> servers = ordered.stream().map(Idle::server).toList();
		List<Double> heap = ordered.stream().map((row) -> (row.heapKib() != null) ? row.heapKib() : 0.0).toList();
		chart.addSeries("heap after full GC", servers, heap);
		chart.addSeries("RSS", servers, ordered.stream().map(Idle::rssKib).toList());
		return chart;
	}

	private static XYChart xyChart(String title, String xTitle, String yTitle) {
		XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
			.yAxisTitle(yTitle)
			.build();
		style(chart.getStyler());
		chart.getStyler().setXAxisMin(0.0).setXAxisDecimalPattern("#,##0").setMarkerSize(8);
		return chart;
	}

	private static void style(Styler styler) {
		styler.setChartBackgroundColor(Color.WHITE)
			.setLegendPosition(Styler.LegendPosition.OutsideS)
			.setLegendLayout(Styler.LegendLayout.Horizontal)
			.setLegendBorderColor(Color.LIGHT_GRAY)
			.setPlotBorderVisible(false)
			.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16))
			.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13))
			.setAntiAlias(true);
	}

	private static void line(XYChart chart, String server, List<Step> steps, Function<Step, Double> y) {
		XYSeries series = chart.addSeries(server, steps.stream().map(Step::deliveriesPerSecond).toList(),
				steps.stream().map(y).toList());
		Color color = color(server, chart.getSeriesMap().size() - 1);
		series.setMarkerColor(color);
		series.setLineColor(color);
		series.setMarker(SeriesMarkers.CIRCLE);
		series.setLineStyle(new BasicStroke(2.5f));
	}

	/** Steps per series name, known servers first; with several subscriber counts the name carries the count. */
	private static Map<String, List<Step>> byServer(List<Step> steps, Predicate<Step> plotted) {
		boolean severalCounts = steps.stream().map(Step::subscribers).distinct().count() > 1;
		Map<String, List<Step>> series = new LinkedHashMap<>();
		steps.stream()
			.filter(plotted)
			.sorted(Comparator.comparing(Step::server, Charts::compareServers).thenComparing(Step::subscribers))
			.forEach((step) -> series.computeIfAbsent(severalCounts
					? String.format(Locale.ROOT, "%s (%,d)", seriesName(step), step.subscribers()) : seriesName(step),
					(name) -> new ArrayList<>()).add(step));
		series.values().forEach((list) -> list.sort(Comparator.comparingDouble(Step::deliveriesPerSecond)));
		return series;
	}

	/** run.sh labels echo runs {@code <server>-echo}; the chart's title says it is echo. */
	private static String seriesName(Step step) {
		String server = step.server();
		return (step.event().equals("echo") && server.endsWith("-echo"))
				? server.substring(0, server.length() - "-echo".length()) : server;
	}

	private static int compareServers(String first, String second) {
		return Comparator.<String>comparingInt((server) -> rank(baseName(server)))
			.thenComparing(Comparator.naturalOrder())
			.compare(first, second);
	}

	private static int rank(String server) {
		int rank = new ArrayList<>(KNOWN.keySet()).indexOf(server);
		return (rank >= 0) ? rank : KNOWN.size();
	}

	private static String baseName(String series) {
		int space = series.indexOf(' ');
		String name = (space > 0) ? series.substring(0, space) : series;
		return name.endsWith("-echo") ? name.substring(0, name.length() - "-echo".length()) : name;
	}

	private static Color color(String series, int index) {
		Color known = KNOWN.get(baseName(series));
		return (known != null) ? known : OTHERS[index % OTHERS.length];
	}

	private static String subscribers(List<Step> steps) {
		List<Integer> counts = steps.stream().map(Step::subscribers).distinct().toList();
		return (counts.size() == 1) ? String.format(Locale.ROOT, ", %,d subscribers", counts.get(0)) : "";
	}

	private static String clients(List<Step> steps) {
		// every connection of an echo run publishes
		List<Integer> counts = steps.stream().map(Step::publishers).distinct().toList();
		return (counts.size() == 1) ? String.format(Locale.ROOT, ", %,d clients", counts.get(0)) : "";
	}

	private static Written save(Chart<?, ?> chart, Path file, String title) throws IOException {
		BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
		return new Written(file, title);
	}

	/**
	 * A chart written.
	 * @param file the PNG
	 * @param title its title
	 */
	record Written(Path file, String title) {
	}

}
