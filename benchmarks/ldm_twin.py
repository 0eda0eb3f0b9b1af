#!/usr/bin/env python3
"""PyTorch twin of the project's latent diffusion model, for `decoding benchmark`.

The same architecture as src/Decoding/Models (diffusers' UNet2DConditionModel layout: ResnetBlock2D,
Transformer2DModel with BasicTransformerBlock, GEGLU feed-forward, nearest upsampling) and
src/Decoding/Conditioning (a CLIP-like label encoder with a learned null context), built from the
JSON config the C# side sends, so both sides build a model of the same parameter count (the C# side
compares the two counts before timing anything). Attention is written as matmul + softmax: PyTorch
1.13 (Debian's python3-torch) has no scaled_dot_product_attention.

Workloads, one call each:
  train   one training step: conditioner, condition dropout, UNet, MSE, backward, clip_grad_norm_,
          AdamW, EMA (the project's LatentDiffusionTrainer.Step)
  sample  one classifier-free guided DDIM step for N samples (the UNet on 2N latents)
  read    h5py reads /voxels of a canonical file
  read-all  h5py reads what the project's canonical reader reads: /voxels, every /samples dataset (strings
          decoded), /category_names, the ROI index lists, /voxels_meta/xyz, the root and provenance attributes

Protocol (`--serve`): one JSON object per line on stdin, one JSON answer per line on stdout:
  {"cmd": "setup", "config": {...}, "threads": 1}   -> {"parameters": n, "torch": "1.13.1", "blas": "OpenBLAS (...)", "rss_kb": ...}
  {"cmd": "threads", "threads": 2}                 -> {}
  {"cmd": "train"} / {"cmd": "sample"}             -> {"ms": ...}
  {"cmd": "read", "path": "god.h5"}                -> {"ms": ..., "h5py": "3.7.0"}
  {"cmd": "read-all", "path": "god.h5"}            -> {"ms": ..., "h5py": "3.7.0"}
  {"cmd": "peak"}                                  -> {"peak_rss_kb": ..., "rss_kb": ...}
  {"cmd": "quit"}
`--count CONFIG.json` prints the parameter count of the model a config describes and exits.
"""
import json
import math
import sys
import time


def rss_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def build(config):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Attention(nn.Module):
        def __init__(self, query_dim, context_dim, heads, dim_head):
            super().__init__()
            inner = heads * dim_head
            kv = context_dim or query_dim
            self.heads = heads
            self.to_q = nn.Linear(query_dim, inner, bias=False)
            self.to_k = nn.Linear(kv, inner, bias=False)
            self.to_v = nn.Linear(kv, inner, bias=False)
            self.to_out = nn.ModuleList([nn.Linear(inner, query_dim), nn.Dropout(0.0)])

        def forward(self, x, context=None):
            source = x if context is None else context
            b, lq, _ = x.shape
            lk = source.shape[1]
            q = self.to_q(x).reshape(b, lq, self.heads, -1).transpose(1, 2)       # (B, h, Lq, d)
            k = self.to_k(source).reshape(b, lk, self.heads, -1).transpose(1, 2)  # (B, h, Lk, d)
            v = self.to_v(source).reshape(b, lk, self.heads, -1).transpose(1, 2)
            # The scale folded into the product, as diffusers' attention processor does (baddbmm's alpha): no extra
            # pass over the (Lq, Lk) scores.
            scores = torch.baddbmm(q.new_empty(b * self.heads, lq, lk), q.reshape(b * self.heads, lq, -1),
                                   k.reshape(b * self.heads, lk, -1).transpose(-2, -1), beta=0, alpha=q.shape[-1] ** -0.5)
            out = torch.matmul(scores.softmax(-1).view(b, self.heads, lq, lk), v)  # (B, h, Lq, d)
            out = out.transpose(1, 2).reshape(b, lq, -1)
            return self.to_out[1](self.to_out[0](out))

    class GEGLU(nn.Module):
        def __init__(self, dim_in, dim_out):
            super().__init__()
            self.proj = nn.Linear(dim_in, dim_out * 2)

        def forward(self, x):
            h, gate = self.proj(x).chunk(2, dim=-1)
            return h * F.gelu(gate)

    class FeedForward(nn.Module):
        def __init__(self, dim, mult=4):
            super().__init__()
            self.net = nn.ModuleList([GEGLU(dim, dim * mult), nn.Dropout(0.0), nn.Linear(dim * mult, dim)])

        def forward(self, x):
            for layer in self.net:
                x = layer(x)
            return x

    class BasicTransformerBlock(nn.Module):
        def __init__(self, dim, heads, dim_head, context_dim):
            super().__init__()
            self.norm1 = nn.LayerNorm(dim)
            self.attn1 = Attention(dim, None, heads, dim_head)
            self.norm2 = nn.LayerNorm(dim)
            self.attn2 = Attention(dim, context_dim, heads, dim_head)
            self.norm3 = nn.LayerNorm(dim)
            self.ff = FeedForward(dim)

        def forward(self, x, context):
            x = x + self.attn1(self.norm1(x))
            x = x + self.attn2(self.norm2(x), context)
            return x + self.ff(self.norm3(x))

    class Transformer2DModel(nn.Module):
        def __init__(self, channels, heads, dim_head, context_dim, layers, groups):
            super().__init__()
            inner = heads * dim_head
            self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
            self.proj_in = nn.Conv2d(channels, inner, 1)
            self.transformer_blocks = nn.ModuleList(
                [BasicTransformerBlock(inner, heads, dim_head, context_dim) for _ in range(layers)])
            self.proj_out = nn.Conv2d(inner, channels, 1)

        def forward(self, x, context):
            b, _, height, width = x.shape
            h = self.proj_in(self.norm(x))
            tokens = h.permute(0, 2, 3, 1).reshape(b, height * width, -1)
            for block in self.transformer_blocks:
                tokens = block(tokens, context)
            h = tokens.reshape(b, height, width, -1).permute(0, 3, 1, 2).contiguous()
            return self.proj_out(h) + x

    class ResnetBlock2D(nn.Module):
        def __init__(self, cin, cout, temb, groups, eps):
            super().__init__()
            self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
            self.time_emb_proj = nn.Linear(temb, cout)
            self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
            self.dropout = nn.Dropout(0.0)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
            self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

        def forward(self, x, temb):
            h = self.conv1(F.silu(self.norm1(x)))
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
            h = self.conv2(self.dropout(F.silu(self.norm2(h))))
            return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h

    class Downsample2D(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

        def forward(self, x):
            return self.conv(x)

    class Upsample2D(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv = nn.Conv2d(channels, channels, 3, padding=1)

        def forward(self, x, size=None):
            x = F.interpolate(x, scale_factor=2.0, mode="nearest") if size is None else F.interpolate(x, size=size, mode="nearest")
            return self.conv(x)

    class DownBlock(nn.Module):
        def __init__(self, cin, cout, add_down, cross, u):
            super().__init__()
            heads = u.get("num_attention_heads") or u["attention_head_dim"]
            temb = u["block_out_channels"][0] * 4
            self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, temb, u["norm_num_groups"], u["norm_eps"])
                                          for i in range(u["layers_per_block"])])
            self.attentions = nn.ModuleList([Transformer2DModel(cout, heads, cout // heads, u["cross_attention_dim"],
                                                                u["transformer_layers_per_block"], u["norm_num_groups"])
                                             for _ in range(u["layers_per_block"])]) if cross else None
            self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if add_down else None

        def forward(self, h, temb, context, skips):
            for i, resnet in enumerate(self.resnets):
                h = resnet(h, temb)
                if self.attentions is not None:
                    h = self.attentions[i](h, context)
                skips.append(h)
            if self.downsamplers is not None:
                h = self.downsamplers[0](h)
                skips.append(h)
            return h

    class UpBlock(nn.Module):
        def __init__(self, cin, prev, cout, add_up, cross, u):
            super().__init__()
            n = u["layers_per_block"] + 1
            heads = u.get("num_attention_heads") or u["attention_head_dim"]
            temb = u["block_out_channels"][0] * 4
            self.resnets = nn.ModuleList([ResnetBlock2D((prev if j == 0 else cout) + (cin if j == n - 1 else cout), cout, temb,
                                                        u["norm_num_groups"], u["norm_eps"]) for j in range(n)])
            self.attentions = nn.ModuleList([Transformer2DModel(cout, heads, cout // heads, u["cross_attention_dim"],
                                                                u["transformer_layers_per_block"], u["norm_num_groups"])
                                             for _ in range(n)]) if cross else None
            self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if add_up else None

        def forward(self, h, skips, temb, context):
            for j, resnet in enumerate(self.resnets):
                h = resnet(torch.cat([h, skips.pop()], 1), temb)
                if self.attentions is not None:
                    h = self.attentions[j](h, context)
            if self.upsamplers is not None:
                h = self.upsamplers[0](h, skips[-1].shape[2:] if skips else None)
            return h

    class UNet(nn.Module):
        def __init__(self, u):
            super().__init__()
            widths = u["block_out_channels"]
            levels = len(widths)
            temb = widths[0] * 4
            self.flip = u["flip_sin_to_cos"]
            self.shift = u["freq_shift"]
            self.c0 = widths[0]
            self.conv_in = nn.Conv2d(u["in_channels"], widths[0], 3, padding=1)
            self.time_embedding = nn.ModuleDict({"linear_1": nn.Linear(widths[0], temb), "linear_2": nn.Linear(temb, temb)})
            self.down_blocks = nn.ModuleList([
                DownBlock(widths[0] if i == 0 else widths[i - 1], widths[i], i < levels - 1, u["down_block_types"][i] == "CrossAttnDownBlock2D", u)
                for i in range(levels)])
            heads = u.get("num_attention_heads") or u["attention_head_dim"]
            c = widths[-1]
            self.mid_resnets = nn.ModuleList([ResnetBlock2D(c, c, temb, u["norm_num_groups"], u["norm_eps"]) for _ in range(2)])
            self.mid_attention = Transformer2DModel(c, heads, c // heads, u["cross_attention_dim"], u["transformer_layers_per_block"], u["norm_num_groups"])
            reversed_widths = list(reversed(widths))
            ups, previous = [], reversed_widths[0]
            for i in range(levels):
                ups.append(UpBlock(reversed_widths[min(i + 1, levels - 1)], previous, reversed_widths[i], i < levels - 1,
                                   u["up_block_types"][i] == "CrossAttnUpBlock2D", u))
                previous = reversed_widths[i]
            self.up_blocks = nn.ModuleList(ups)
            self.conv_norm_out = nn.GroupNorm(u["norm_num_groups"], widths[0], eps=u["norm_eps"])
            self.conv_out = nn.Conv2d(widths[0], u["out_channels"], 3, padding=1)

        def timestep_features(self, t):
            half = self.c0 // 2
            k = torch.arange(half, dtype=torch.float32)
            frequencies = torch.exp(k * (-math.log(10000.0) / (half - self.shift)))
            angles = t.float()[:, None] * frequencies[None, :]
            return torch.cat([angles.cos(), angles.sin()] if self.flip else [angles.sin(), angles.cos()], 1)

        def forward(self, sample, t, context):
            if t.dim() == 0:
                t = t.reshape(1).expand(sample.shape[0])
            emb = self.time_embedding["linear_2"](F.silu(self.time_embedding["linear_1"](self.timestep_features(t))))
            h = self.conv_in(sample)
            skips = [h]
            for block in self.down_blocks:
                h = block(h, emb, context, skips)
            h = self.mid_resnets[0](h, emb)
            h = self.mid_attention(h, context)
            h = self.mid_resnets[1](h, emb)
            for block in self.up_blocks:
                h = block(h, skips, emb, context)
            return self.conv_out(F.silu(self.conv_norm_out(h)))

    class TextSelfAttention(nn.Module):
        def __init__(self, width, heads):
            super().__init__()
            self.heads = heads
            self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(width, width) for _ in range(4))

        def forward(self, x, key_mask):
            b, length, d = x.shape
            q, k, v = (p(x).view(b, length, self.heads, -1).transpose(1, 2) for p in (self.q_proj, self.k_proj, self.v_proj))
            scores = torch.baddbmm(q.new_empty(b * self.heads, length, length), q.reshape(b * self.heads, length, -1),
                                   k.reshape(b * self.heads, length, -1).transpose(-2, -1), beta=0,
                                   alpha=q.shape[-1] ** -0.5).view(b, self.heads, length, length)
            scores = scores.masked_fill(~key_mask.view(b, 1, 1, length), float("-inf"))
            out = torch.matmul(scores.softmax(-1), v).transpose(1, 2).reshape(b, length, d)
            return self.out_proj(out)

    class TextEncoderLayer(nn.Module):
        def __init__(self, width, heads, intermediate, eps):
            super().__init__()
            self.layer_norm1 = nn.LayerNorm(width, eps=eps)
            self.self_attn = TextSelfAttention(width, heads)
            self.layer_norm2 = nn.LayerNorm(width, eps=eps)
            self.mlp = nn.Sequential(nn.Linear(width, intermediate), nn.GELU(), nn.Linear(intermediate, width))

        def forward(self, x, key_mask):
            h = x + self.self_attn(self.layer_norm1(x), key_mask)
            return h + self.mlp(self.layer_norm2(h))

    class LabelConditioner(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.token_embedding = nn.Embedding(c["vocab_size"], c["hidden_size"])
            self.position_embedding = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
            self.layers = nn.ModuleList([TextEncoderLayer(c["hidden_size"], c["num_attention_heads"], c["intermediate_size"], c["layer_norm_eps"])
                                         for _ in range(c["num_hidden_layers"])])
            self.final_layer_norm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
            self.null_context = nn.Parameter(torch.zeros(1, c["max_position_embeddings"], c["hidden_size"]))

        def forward(self, ids):
            key_mask = ids.ne(0)
            h = self.token_embedding(ids) + self.position_embedding(torch.arange(ids.shape[1]))
            for layer in self.layers:
                h = layer(h, key_mask)
            return self.final_layer_norm(h)

    class Model(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.conditioner = LabelConditioner(config["conditioner"])
            self.unet = UNet(config["unet"])

    return Model(config)


class Twin:
    def __init__(self, config, threads):
        import torch
        self.torch = torch
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        self.config = config
        self.model = build(config)
        self.parameters = list(self.model.parameters())
        self.count = sum(p.numel() for p in self.parameters)
        self.optimizer = torch.optim.AdamW(self.parameters, lr=config["learning_rate"], weight_decay=config["weight_decay"])
        self.shadow = [p.detach().clone() for p in self.parameters]
        self.ema_step = 0
        self.generator = torch.Generator().manual_seed(1)
        b, c, s = config["batch"], config["latent_channels"], config["latent_size"]
        cond = config["conditioner"]
        length, vocab = cond["max_position_embeddings"], cond["vocab_size"]
        betas = torch.linspace(config["beta_start"] ** 0.5, config["beta_end"] ** 0.5, config["num_train_timesteps"], dtype=torch.float64) ** 2
        self.alphas = torch.cumprod(1.0 - betas, 0)
        # A training batch drawn once, as the C# side does.
        z0, noise = torch.randn(b, c, s, s), torch.randn(b, c, s, s)
        self.t = torch.randint(0, config["num_train_timesteps"], (b,))
        a = self.alphas[self.t].float()[:, None, None, None]
        self.zt = a.sqrt() * z0 + (1 - a).sqrt() * noise
        self.target = noise
        self.tokens = torch.randint(4, vocab, (b, length))
        self.tokens[:, 0], self.tokens[:, -3:] = 1, 0  # BOS first, padding last, like the tokenizer's ids
        n = config["samples"]
        sample_tokens = self.tokens.repeat((n + b - 1) // b, 1)[:n]
        with torch.no_grad():
            conditional = self.model.conditioner(sample_tokens)
            self.sample_context = torch.cat([self.model.conditioner.null_context.expand(n, -1, -1), conditional], 0)  # (2N, L, D)
        self.sample_noise = torch.randn(n, c, s, s)

    def train(self):
        torch, config, model = self.torch, self.config, self.model
        model.train()
        b = config["batch"]
        context = model.conditioner(self.tokens)                                                   # (B, L, D)
        drop = (torch.rand(b, generator=self.generator) < config["proportion_empty_prompts"]).view(b, 1, 1)
        context = torch.where(drop, model.conditioner.null_context.expand(b, -1, -1), context)
        prediction = model.unet(self.zt, self.t, context)
        loss = torch.nn.functional.mse_loss(prediction, self.target)
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.parameters, config["max_grad_norm"])
        self.optimizer.step()
        self.ema_step += 1
        t = max(0, self.ema_step - 1)
        decay = 0.0 if t <= 0 else min((1.0 + t) / (10.0 + t), config["ema_decay"])
        with torch.no_grad():
            for shadow, live in zip(self.shadow, self.parameters):
                shadow.lerp_(live.detach(), 1.0 - decay)
        return loss.item()

    def sample(self):
        torch, model = self.torch, self.model
        model.eval()
        with torch.no_grad():
            t, previous = 981, 961  # a DDIM step of a 50-step schedule; the cost does not depend on t
            x = self.sample_noise
            eps = model.unet(torch.cat([x, x], 0), torch.tensor(t), self.sample_context)
            unconditional, conditional = eps.chunk(2)
            eps = unconditional + self.config["guidance_scale"] * (conditional - unconditional)
            a_t, a_prev = float(self.alphas[t]), float(self.alphas[previous])
            x0 = (x - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)
            x = math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps
            return float(x.mean())


def timed(action):
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000.0


def read_h5py(path):
    import h5py
    with h5py.File(path, "r") as f:
        return f["voxels"][()]


def read_h5py_all(path):
    import h5py

    def values(dataset):
        if h5py.check_string_dtype(dataset.dtype) is not None:
            return dataset.asstr()[()]
        return dataset[()]

    with h5py.File(path, "r") as f:
        data = {"attrs": dict(f.attrs), "voxels": f["voxels"][()]}
        data["samples"] = {name: values(d) for name, d in f["samples"].items()}
        if "category_names" in f:
            data["category_names"] = values(f["category_names"])
        if "voxels_meta/roi" in f:
            data["roi"] = {name: d[()] for name, d in f["voxels_meta/roi"].items()}
        if "voxels_meta/xyz" in f:
            data["xyz"] = f["voxels_meta/xyz"][()]
        if "provenance" in f:
            data["provenance"] = dict(f["provenance"].attrs)
        return data


def blas_loaded():
    """The BLAS library this process runs its matrix products with, from /proc/self/maps after one product: Debian's
    torch is built against the generic BLAS interface (torch.__config__.show() says BLAS_INFO=generic) and runs whichever
    libblas.so.3 the loader finds: the slow reference BLAS (.../blas/libblas.so.3) unless an OpenBLAS comes first on the
    library path."""
    import torch
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "blas" in line.split()[-1].lower()})
    if not paths:
        return "unknown"
    kind = "OpenBLAS" if any("openblas" in p.lower() for p in paths) else "reference BLAS" if any("/blas/" in p for p in paths) else "other"
    return kind + " (" + ", ".join(paths) + ")"


def serve():
    twin = None
    for line in sys.stdin:
        request = json.loads(line)
        cmd = request["cmd"]
        try:
            if cmd == "setup":
                import torch
                before = rss_kb("VmRSS")
                twin = Twin(request["config"], int(request.get("threads", 1)))
                answer = {"parameters": twin.count, "torch": torch.__version__, "blas": blas_loaded(), "rss_before_model_kb": before}
            elif cmd == "threads":
                import torch
                torch.set_num_threads(int(request["threads"]))
                answer = {"threads": torch.get_num_threads()}
            elif cmd == "train":
                answer = {"ms": timed(twin.train)}
            elif cmd == "sample":
                answer = {"ms": timed(twin.sample)}
            elif cmd == "read":
                import h5py
                answer = {"ms": timed(lambda: read_h5py(request["path"])), "h5py": h5py.__version__}
            elif cmd == "read-all":
                import h5py
                answer = {"ms": timed(lambda: read_h5py_all(request["path"])), "h5py": h5py.__version__}
            elif cmd == "peak":
                answer = {"peak_rss_kb": rss_kb("VmHWM"), "rss_kb": rss_kb("VmRSS")}
            elif cmd == "quit":
                return
            else:
                answer = {"error": f"unknown command {cmd}"}
        except Exception as error:  # reported to the C# side as one line
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--serve":
        serve()
    elif len(sys.argv) == 3 and sys.argv[1] == "--count":
        with open(sys.argv[2]) as file:
            print(sum(p.numel() for p in build(json.load(file)).parameters()))
    else:
        print(__doc__)
        sys.exit(2)
