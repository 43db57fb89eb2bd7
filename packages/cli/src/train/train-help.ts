/** The `smd train --help` text. */
export const TRAIN_HELP = `Usage: smd train [config.yaml|config.json] [flags]
       smd train --resume RUN [--out DIR]

Train a normalized network with SMD probes on every scale-invariant tensor, in a crash-safe
run folder (<out>/<id>/: manifest.json, metrics.sqlite, checkpoints/, run.log). A config file
may hold the same fields (e.g. "batch-size", "batchSize" or "batch_size"); flags override it.

Model
  --model resnet|convstack  network (default resnet: CIFAR-style ResNet, 2 blocks per stage)
  --widths 16,32,64         stage widths (resnet: 3 values) or conv widths (convstack)
  --norm batch|group|layer  normalization after every conv (default batch)
  --weight-norm none|convs|all   weight normalization (default none)
Optimizer
  --optimizer sgd|sgdm|adam|adamw|lion|sgdp|adamp|rv-sgdm|rv-adamw|rv-lion   (default sgdm)
                            lion: Chen et al. 2023; sgdp/adamp: Heo et al. 2021 (radial part
                            of the step removed on scale-invariant weights); rv-*: Kosson et
                            al. 2024 rotational variants (every neuron turns by the inner
                            optimizer's equilibrium Δ* from step 0, no decay on wrapped tensors)
  --lr <η>                  base learning rate (default 0.1; adam*/rv-adamw 1e-3; lion/rv-lion 1e-4)
  --momentum <α>            momentum in [0, 1) (default 0.9 for sgdm, sgdp, rv-sgdm)
  --betas <β1,β2>           adam, adamw, adamp, rv-adamw (default 0.9,0.999); lion, rv-lion (0.9,0.99)
  --rotation neuron|layer   rv-*: one rotation per output channel or per tensor (default neuron)
  --delta <δ>               sgdp/adamp: cosine threshold δ/√dim of the projection (default 0.1)
  --wd-ratio <r>            sgdp/adamp: decay multiplier on projected tensors (default 0.1)
  --wd <λ>                  weight decay (default 5e-4), on ALL parameters like
                            torch.optim.SGD(model.parameters(), weight_decay=λ)
  --no-decay-bn-bias        no weight decay on BN/GN/LN γ, β and biases
  --nesterov                Nesterov momentum (sgdm, sgdp, adamp, rv-sgdm)
  --schedule <text>         lr schedule, times in epochs (default constant):
                            constant | multistep:3,5:0.1 | step:2:0.1 | cosine | warmup:1:<schedule>
Data and length
  --data fashion-mnist|synthetic|DIR   dataset (default fashion-mnist from
                            /usr/share/datasets/fashion-mnist; DIR = folder of IDX files,
                            or of CIFAR-10 binary batches: data_batch_<n>.bin, test_batch.bin)
  --synthetic-size <n>      examples of the synthetic dataset (default 2048; test set n/4)
  --epochs <n>              epochs (default 2); --steps <n> stops after n optimizer steps
  --batch-size <n>          (default 128; the last incomplete batch is dropped)
  --augment none|crop|flip|crop-flip   random 2-pixel crop / horizontal flip (default none)
  --seed <n>                init, shuffling and augmentation seed (default 0)
SMD
  --probe-every <n>         probe every n-th step (default 1)
  --per-channel             also measure per output channel
  --window <n>              window in steps of L_t and of the summary means (default 200)
  --rescale                 at every lr drop by k divide scale-invariant weights by k^(1/4)
Run folder
  --out <dir>               runs root (default ./runs)
  --name <text>             run name (part of the id)
  --checkpoint-every <n>    checkpoint every n steps (default 500) and at the end
  --eval-every <n>          also evaluate on the test set every n steps (default 0: epoch ends)
  --keep-checkpoints <n>    newest checkpoints kept (default 3)
  --backend auto|native|ts  kernels (default auto: native when it loads, else TS)
  --threads <n>             native OpenMP threads (default: the library's)
  --resume RUN              continue RUN (an id under --out, or a folder) from its last
                            checkpoint; the result equals an uninterrupted run bit for bit
  -h, --help                show this help

Exit codes: 0 finished, 2 bad flag / config, 3 diverged (NaN/Inf loss or weights), 1 other error.
`;
