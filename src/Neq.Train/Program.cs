return Neq.Train.Cli.Run(args, Console.Out, Console.Error);
