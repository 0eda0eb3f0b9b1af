using Decoding.Cli;
using Decoding.Demo;

ParentWatch.StartIfAsked(); // a demo stage run as a child process stops when its demo has gone
return CommandLineApp.Run(args);
