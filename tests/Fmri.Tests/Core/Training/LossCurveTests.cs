using Fmri.Core.Training;

namespace Fmri.Tests.Core.Training;

public class LossCurveTests
{
    [Fact]
    public void Writes_csv_and_reads_it_back_exactly()
    {
        string dir = Path.Combine(Path.GetTempPath(), "losscurve-" + Guid.NewGuid().ToString("N"));
        try
        {
            var curve = new LossCurve(["lr", "grad_norm"]);
            curve.Add(1, 0, 0.5, 1e-4, 2.25);
            curve.Add(2, 0, 0.1 + 0.2, 2e-4, double.NaN); // 0.30000000000000004 must survive the round trip
            curve.Add(3, 1, 0.125, 3e-4, 1.0);
            string path = Path.Combine(dir, "loss.csv");
            curve.Save(path);

            var lines = File.ReadAllLines(path);
            Assert.Equal("step,epoch,loss,lr,grad_norm", lines[0]);
            Assert.Equal("1,0,0.5,0.0001,2.25", lines[1]);
            Assert.Equal("2,0,0.30000000000000004,0.0002,NaN", lines[2]);

            var read = LossCurve.Read(path);
            Assert.Equal(curve.ExtraColumns, read.ExtraColumns);
            Assert.Equal(curve.Points.Select(p => (p.Step, p.Epoch, p.Loss)), read.Points.Select(p => (p.Step, p.Epoch, p.Loss)));
            Assert.Equal(curve.Points.SelectMany(p => p.Extras), read.Points.SelectMany(p => p.Extras));

            read.DropAfter(2); // resuming from a checkpoint saved at step 2
            Assert.Equal(new long[] { 1, 2 }, read.Points.Select(p => p.Step));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Mean_loss_of_an_epoch_averages_its_steps_only()
    {
        var curve = new LossCurve();
        curve.Add(1, 0, 0.5);
        curve.Add(2, 0, 0.25);
        curve.Add(3, 1, 0.125);
        Assert.Equal(0.375, curve.MeanLoss(0));   // (0.5 + 0.25) / 2, by hand
        Assert.Equal(0.125, curve.MeanLoss(1));
        Assert.True(double.IsNaN(curve.MeanLoss(2)));
    }

    [Fact]
    public void Wrong_number_of_extra_values_and_backward_steps_are_refused()
    {
        var curve = new LossCurve(["lr"]);
        Assert.Contains("1 extra column", Assert.Throws<ArgumentException>(() => curve.Add(1, 0, 0.5)).Message);
        curve.Add(5, 0, 0.5, 1e-3);
        Assert.Contains("does not follow", Assert.Throws<ArgumentException>(() => curve.Add(5, 0, 0.4, 1e-3)).Message);
    }

    [Fact]
    public void Bad_csv_names_file_line_and_column()
    {
        string path = Path.Combine(Path.GetTempPath(), "losscurve-" + Guid.NewGuid().ToString("N") + ".csv");
        try
        {
            File.WriteAllText(path, "step,epoch,loss\n1,0,0.5\n2,0,oops\n");
            var e = Assert.Throws<Fmri.Core.DataFormatException>(() => LossCurve.Read(path));
            Assert.Equal(path, e.File);
            Assert.Equal("line 3 loss", e.Field);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
