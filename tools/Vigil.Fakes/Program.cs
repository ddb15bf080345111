// The offline demo: each fake outside system on its own loopback port. Fakes are added with the modules that talk to them.
Console.WriteLine("Vigil.Fakes: no fakes yet; they arrive with the modules that need them.");
