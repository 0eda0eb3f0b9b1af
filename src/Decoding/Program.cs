using Decoding.Cli;

return CommandLineApp.Run(args);
