using Fmri.Core.IO;

namespace Fmri.Tests.Core.IO;

public class AtomicFileTests
{
    /// <summary>
    /// A command writes out.h5, then out.run.json; AllOrNone keeps that set whole. When the record fails after the main
    /// file was written, the new main file goes (no output without its record); an earlier run's files that this run
    /// never got to write stay as they were, so a failed re-run (say on a full disk) loses nothing that was there.
    /// </summary>
    [Fact]
    public void A_failed_run_removes_what_it_wrote_and_keeps_what_it_did_not_touch()
    {
        string folder = Directory.CreateTempSubdirectory("all-or-none").FullName;
        try
        {
            string main = Path.Combine(folder, "out.h5"), record = Path.Combine(folder, "out.run.json");

            // A fresh run whose second write fails leaves nothing.
            Assert.Throws<IOException>(() => AtomicFile.AllOrNone([main, record], () =>
            {
                AtomicFile.WriteAllText(main, "new");
                throw new IOException("No space left on device");
            }));
            Assert.Empty(Directory.GetFileSystemEntries(folder));

            // An earlier run's complete output...
            AtomicFile.AllOrNone([main, record], () =>
            {
                AtomicFile.WriteAllText(main, "old");
                AtomicFile.WriteAllText(record, "old record");
            });
            var recordTime = File.GetLastWriteTimeUtc(record);
            // ...survives a re-run whose first write fails,
            Assert.Throws<IOException>(() => AtomicFile.AllOrNone([main, record], () => throw new IOException("No space left on device")));
            Assert.Equal(("old", "old record"), (File.ReadAllText(main), File.ReadAllText(record)));
            // and a re-run that replaced the main file but not the record removes its own main file, leaving the old
            // record untouched.
            Assert.Throws<IOException>(() => AtomicFile.AllOrNone([main, record], () =>
            {
                AtomicFile.WriteAllText(main, "new");
                throw new IOException("No space left on device");
            }));
            Assert.False(File.Exists(main));
            Assert.Equal(recordTime, File.GetLastWriteTimeUtc(record));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
