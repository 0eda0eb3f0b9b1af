using System.Diagnostics;
using System.Text.RegularExpressions;
using Decoding.Reports;
using Fmri.Core.Imaging;

namespace Decoding.Tests.Reports;

/// <summary>
/// report.html opened in a real browser (Debian's headless Chromium; `.ci/run` installs it): it renders, every embedded
/// image decodes, and nothing raises an error.
/// </summary>
public sealed partial class ReportConsistencyTests
{
    /// <summary>
    /// Appended to a copy of the report: records every error event (capturing phase, so a broken image counts too)
    /// and, once the page has loaded, writes how many images there are and how many did not decode into the DOM,
    /// where --dump-dom shows it.
    /// </summary>
    private const string RenderProbe = """
        <script>
        window.__errors = [];
        window.addEventListener("error", e => window.__errors.push(e.message || ("failed to load " + (e.target && e.target.tagName))), true);
        window.addEventListener("load", () => {
          const images = [...document.images];
          const broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).length;
          const pre = document.createElement("pre");
          pre.id = "render-probe";
          pre.textContent = "images=" + images.length + " broken=" + broken + " errors=" + window.__errors.length + " " + window.__errors.join(" | ");
          document.body.appendChild(pre);
        });
        </script>
        """;

    [Fact]
    public void TheHtmlRendersInHeadlessChromium()
    {
        string chromium = Chromium.Path ?? throw new InvalidOperationException(
            "Chromium is not installed: this test opens report.html in Debian's headless chromium (`apt-get install chromium`; .ci/run installs it)");
        string work = Path.Combine(Path.GetTempPath(), "report-render-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            // The probe goes into a copy: the report itself carries no script (TheHtmlIsSelfContained).
            string html = File.ReadAllText(Path.Combine(Output.Value, ReportWriter.HtmlFile));
            int body = html.LastIndexOf("</body>", StringComparison.Ordinal);
            Assert.True(body > 0, "report.html has no </body>");
            string probed = Path.Combine(work, "report.html");
            File.WriteAllText(probed, html[..body] + RenderProbe + html[body..]);

            var (dom, domErr) = Chromium.Run(chromium, work, "--virtual-time-budget=5000", "--dump-dom", new Uri(probed).AbsoluteUri);
            var probe = ProbeLine().Match(dom);
            Assert.True(probe.Success, $"no render probe in the DOM Chromium dumped; stderr: {Tail(domErr)}");
            int images = int.Parse(probe.Groups["images"].Value), broken = int.Parse(probe.Groups["broken"].Value);
            int errors = int.Parse(probe.Groups["errors"].Value);
            Assert.True(images >= 4, $"{images} images in the rendered report");   // grid, accuracy-vs-n, per-category, loss curve
            Assert.Equal(0, broken);
            Assert.True(errors == 0, $"errors while rendering: {probe.Groups["messages"].Value}");
            Assert.DoesNotContain("Uncaught", domErr);

            string screenshot = Path.Combine(work, "top.png");
            Chromium.Run(chromium, work, "--hide-scrollbars", "--window-size=1200,1400", "--screenshot=" + screenshot, new Uri(probed).AbsoluteUri);
            Assert.True(File.Exists(screenshot), "Chromium wrote no screenshot");
            var (pixels, height, width) = PngImage.Decode(File.ReadAllBytes(screenshot), 1);
            Assert.Equal((1400, 1200), (height, width));
            // Not blank: a good share of the page is ink (text, table rules, images), not one flat colour.
            double ink = pixels.Count(v => v < 0.85f) / (double)pixels.Length;
            float min = pixels.Min(), max = pixels.Max();
            Assert.True(ink > 0.02, $"only {ink:P1} of the screenshot is darker than the background");
            Assert.True(max - min > 0.5f, $"screenshot intensities span only [{min}, {max}]");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Tail(string text) => text.Length <= 800 ? text : text[^800..];

    [GeneratedRegex(@"images=(?<images>\d+) broken=(?<broken>\d+) errors=(?<errors>\d+) (?<messages>[^<]*)")]
    private static partial Regex ProbeLine();

    /// <summary>Debian's chromium, run headless with a private profile.</summary>
    private static class Chromium
    {
        public static string? Path { get; } = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

        public static (string Stdout, string Stderr) Run(string chromium, string work, params string[] arguments)
        {
            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + System.IO.Path.Combine(work, "profile") }.Concat(arguments))
                start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium {string.Join(' ', arguments)} did not finish in 120 s");
            }
            Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {Tail(stderr.Result)}");
            return (stdout.Result, stderr.Result);
        }
    }
}
