#!/usr/bin/env python3
"""Writes small released-weights fixtures for `decoding import-weights` (src/Decoding/Models/Import/,
src/Fmri/MaskedBrainModeling/MindVisCheckpoint.cs). Run with Debian's Python and its torch 1.13:

    /usr/bin/python3 make_pytorch_fixtures.py

mindvis_stageA_tiny.pth   torch.save of a dict as MinD-Vis's stage A saves it: 'model' (the state dict of a tiny
                          MAEforFMRI: 64 voxels, patch 8, width 16, depth 2, 4 heads; decoder 8 wide, 1 block,
                          2 heads; mlp_ratio 1), 'config' (an object of class config.Config_MBM_fMRI with MinD-Vis's
                          field names), 'optimizer' (AdamW state after one step) and 'epoch'. The module below
                          rebuilds MinD-Vis's MAEforFMRI names (timm Block: norm1, attn.qkv, attn.proj, norm2,
                          mlp.fc1, mlp.fc2) in plain torch; weights are random (seeded), pos_embed too, so a loader
                          that kept its own positional table would be caught.
mindvis_expected.json     the encoder's output (CLS token first, no masking) for a fixed input, computed here with
                          torch from that module: the reference the C# model must reproduce after loading.
mindvis_full_model.pth    torch.save(model): a pickled module instead of a state dict (bad input).
mindvis_legacy.pth        torch.save(..., _use_new_zipfile_serialization=False): the pre-1.6 format (bad input).
mindvis_bad_heads.pth,    the checkpoint with config num_heads 4.5, with mask_ratio "0.75x", and with block 0's MLP
mindvis_bad_mask_ratio.pth,  wider than block 1's (bad input).
mindvis_odd_block.pth
unet_tiny/                a diffusers-layout UNet2DConditionModel: config.json and diffusion_pytorch_model.bin
                          (torch.save of the state dict, float16), names and shapes by diffusers' module structure
                          for block_out_channels [4, 8], one layer per block, cross-attention width 4.
vae_tiny/                 a diffusers-layout AutoencoderKL (block_out_channels [4, 8]): config.json,
                          diffusion_pytorch_model.bin with the deprecated attention names of older diffusers
                          releases (query, key, value, proj_attn) and diffusion_pytorch_model.safetensors with the
                          current ones (to_q, to_k, to_v, to_out.0), written by the safetensors layout (8-byte header
                          length, JSON header, little-endian data) with numpy.
sd15_unet_names.txt,      the names and shapes these rules give at Stable Diffusion 1.5's size (no weights): the keys
sd15_vae_names_deprecated.txt  of a released SD-1.5 unet/ and vae/ .bin (the VAE with the deprecated attention names)
unet_bad.bin              the UNet state dict with one key removed, one key added and one shape changed (bad input).
"""
import json
import math
import os
import struct
import sys
import types

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(2022)


# ---------------------------------------------------------------- MinD-Vis stage A (MAEforFMRI names)
class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5
        x = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(torch.nn.functional.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed1D(nn.Module):
    def __init__(self, patch, dim):
        super().__init__()
        self.proj = nn.Conv1d(1, dim, kernel_size=patch, stride=patch)


class MAEforFMRI(nn.Module):
    def __init__(self, voxels, patch, dim, depth, heads, ddim, ddepth, dheads, mlp_ratio):
        super().__init__()
        n = voxels // patch
        self.patch_embed = PatchEmbed1D(patch, dim)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, n + 1, dim) * 0.1, requires_grad=False)
        self.blocks = nn.ModuleList([Block(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.decoder_embed = nn.Linear(dim, ddim)
        self.mask_token = nn.Parameter(torch.randn(1, 1, ddim) * 0.02)
        self.decoder_pos_embed = nn.Parameter(torch.randn(1, n + 1, ddim) * 0.1, requires_grad=False)
        self.decoder_blocks = nn.ModuleList([Block(ddim, dheads, mlp_ratio) for _ in range(ddepth)])
        self.decoder_norm = nn.LayerNorm(ddim)
        self.decoder_pred = nn.Linear(ddim, patch)
        with torch.no_grad():   # LayerNorm weights away from (1, 0) so that loading them is tested
            for m in self.modules():
                if isinstance(m, nn.LayerNorm):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)

    def encode(self, voxels):
        """MAEforFMRI.forward_encoder with mask_ratio 0: every patch, CLS token first."""
        x = self.patch_embed.proj(voxels.unsqueeze(1)).transpose(1, 2) + self.pos_embed[:, 1:, :]
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(x.shape[0], -1, -1)
        x = torch.cat((cls, x), dim=1)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)


Config_MBM_fMRI = type("Config_MBM_fMRI", (), {})
Config_MBM_fMRI.__module__ = "config"
config_module = types.ModuleType("config")
config_module.Config_MBM_fMRI = Config_MBM_fMRI
sys.modules["config"] = config_module

model = MAEforFMRI(voxels=64, patch=8, dim=16, depth=2, heads=4, ddim=8, ddepth=1, dheads=2, mlp_ratio=1.0)
config = Config_MBM_fMRI()
config.__dict__.update(dict(lr=2.5e-4, min_lr=0.0, weight_decay=0.05, num_epoch=500, warmup_epochs=40, batch_size=100,
                            clip_grad=0.8, mask_ratio=0.75, patch_size=8, embed_dim=16, decoder_embed_dim=8, depth=2,
                            num_heads=4, decoder_num_heads=2, mlp_ratio=1.0, root_path=".", seed=2022, roi="VC",
                            use_nature_img_loss=False, focus_range=None, focus_rate=0.6, local_rank=0))
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
model.encode(torch.randn(2, 64)).sum().backward()
optimizer.step()
optimizer.zero_grad()
model.eval()
torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3, "config": config},
           os.path.join(HERE, "mindvis_stageA_tiny.pth"))

probe = torch.linspace(-2, 2, 2 * 64).reshape(2, 64)
with torch.no_grad():
    latent = model.encode(probe)
with open(os.path.join(HERE, "mindvis_expected.json"), "w") as f:
    json.dump({"input": probe.flatten().tolist(), "latent_shape": list(latent.shape), "latent": latent.flatten().tolist(),
               "keys": len(model.state_dict())}, f)
torch.save(model, os.path.join(HERE, "mindvis_full_model.pth"))
torch.save({"model": model.state_dict()}, os.path.join(HERE, "mindvis_legacy.pth"), _use_new_zipfile_serialization=False)

# Bad configs and a bad block (bad input): num_heads 4.5 (a loader must refuse it, not round it to 4), mask_ratio
# "0.75x" (not a number), and block 0's MLP 17 wide where block 1's is 16 (the loader must name block 0).
for name, changes in (("mindvis_bad_heads.pth", dict(num_heads=4.5)), ("mindvis_bad_mask_ratio.pth", dict(mask_ratio="0.75x"))):
    bad = Config_MBM_fMRI()
    bad.__dict__.update(dict(config.__dict__, **changes))
    torch.save({"model": model.state_dict(), "config": bad}, os.path.join(HERE, name))
odd = dict(model.state_dict())
odd["blocks.0.mlp.fc1.weight"] = torch.zeros(17, 16)
odd["blocks.0.mlp.fc1.bias"] = torch.zeros(17)
odd["blocks.0.mlp.fc2.weight"] = torch.zeros(16, 17)
torch.save({"model": odd, "config": config}, os.path.join(HERE, "mindvis_odd_block.pth"))


# ---------------------------------------------------------------- diffusers names and shapes
def resnet(p, cin, cout, temb=None):
    d = {f"{p}.norm1.weight": [cin], f"{p}.norm1.bias": [cin], f"{p}.conv1.weight": [cout, cin, 3, 3], f"{p}.conv1.bias": [cout],
         f"{p}.norm2.weight": [cout], f"{p}.norm2.bias": [cout], f"{p}.conv2.weight": [cout, cout, 3, 3], f"{p}.conv2.bias": [cout]}
    if temb is not None:
        d.update({f"{p}.time_emb_proj.weight": [cout, temb], f"{p}.time_emb_proj.bias": [cout]})
    if cin != cout:
        d.update({f"{p}.conv_shortcut.weight": [cout, cin, 1, 1], f"{p}.conv_shortcut.bias": [cout]})
    return d


def transformer(p, c, cross):
    d = {f"{p}.norm.weight": [c], f"{p}.norm.bias": [c], f"{p}.proj_in.weight": [c, c, 1, 1], f"{p}.proj_in.bias": [c],
         f"{p}.proj_out.weight": [c, c, 1, 1], f"{p}.proj_out.bias": [c]}
    t = f"{p}.transformer_blocks.0"
    for n in (1, 2, 3):
        d.update({f"{t}.norm{n}.weight": [c], f"{t}.norm{n}.bias": [c]})
    for a, kv in (("attn1", c), ("attn2", cross)):
        d.update({f"{t}.{a}.to_q.weight": [c, c], f"{t}.{a}.to_k.weight": [c, kv], f"{t}.{a}.to_v.weight": [c, kv],
                  f"{t}.{a}.to_out.0.weight": [c, c], f"{t}.{a}.to_out.0.bias": [c]})
    d.update({f"{t}.ff.net.0.proj.weight": [8 * c, c], f"{t}.ff.net.0.proj.bias": [8 * c],   # GEGLU: 2 x (4 c)
              f"{t}.ff.net.2.weight": [c, 4 * c], f"{t}.ff.net.2.bias": [c]})
    return d


def conv(p, cout, cin, k):
    return {f"{p}.weight": [cout, cin, k, k], f"{p}.bias": [cout]}


def unet_shapes(cfg):
    ch, layers, cross = cfg["block_out_channels"], cfg["layers_per_block"], cfg["cross_attention_dim"]
    temb = 4 * ch[0]
    d = conv("conv_in", ch[0], cfg["in_channels"], 3)
    d.update({"time_embedding.linear_1.weight": [temb, ch[0]], "time_embedding.linear_1.bias": [temb],
              "time_embedding.linear_2.weight": [temb, temb], "time_embedding.linear_2.bias": [temb]})
    skips, cout = [ch[0]], ch[0]
    for i, kind in enumerate(cfg["down_block_types"]):
        cin, cout = cout, ch[i]
        for j in range(layers):
            d.update(resnet(f"down_blocks.{i}.resnets.{j}", cin if j == 0 else cout, cout, temb))
            if kind == "CrossAttnDownBlock2D":
                d.update(transformer(f"down_blocks.{i}.attentions.{j}", cout, cross))
            skips.append(cout)
        if i < len(ch) - 1:
            d.update(conv(f"down_blocks.{i}.downsamplers.0.conv", cout, cout, 3))
            skips.append(cout)
    d.update(resnet("mid_block.resnets.0", ch[-1], ch[-1], temb))
    d.update(transformer("mid_block.attentions.0", ch[-1], cross))
    d.update(resnet("mid_block.resnets.1", ch[-1], ch[-1], temb))
    rev, prev = list(reversed(ch)), ch[-1]
    for i, kind in enumerate(cfg["up_block_types"]):
        cout = rev[i]
        for j in range(layers + 1):
            skip = skips.pop()
            d.update(resnet(f"up_blocks.{i}.resnets.{j}", (prev if j == 0 else cout) + skip, cout, temb))
            if kind == "CrossAttnUpBlock2D":
                d.update(transformer(f"up_blocks.{i}.attentions.{j}", cout, cross))
        if i < len(ch) - 1:
            d.update(conv(f"up_blocks.{i}.upsamplers.0.conv", cout, cout, 3))
        prev = cout
    d.update({"conv_norm_out.weight": [ch[0]], "conv_norm_out.bias": [ch[0]]})
    d.update(conv("conv_out", cfg["out_channels"], ch[0], 3))
    return d


def vae_attention(p, c, deprecated):
    names = ("query", "key", "value", "proj_attn") if deprecated else ("to_q", "to_k", "to_v", "to_out.0")
    d = {f"{p}.group_norm.weight": [c], f"{p}.group_norm.bias": [c]}
    for n in names:
        d.update({f"{p}.{n}.weight": [c, c], f"{p}.{n}.bias": [c]})
    return d


def vae_shapes(cfg, deprecated):
    ch, layers, lat = cfg["block_out_channels"], cfg["layers_per_block"], cfg["latent_channels"]
    d = conv("encoder.conv_in", ch[0], cfg["in_channels"], 3)
    cout = ch[0]
    for i in range(len(ch)):
        cin, cout = cout, ch[i]
        for j in range(layers):
            d.update(resnet(f"encoder.down_blocks.{i}.resnets.{j}", cin if j == 0 else cout, cout))
        if i < len(ch) - 1:
            d.update(conv(f"encoder.down_blocks.{i}.downsamplers.0.conv", cout, cout, 3))
    for part in ("encoder", "decoder"):
        d.update(resnet(f"{part}.mid_block.resnets.0", ch[-1], ch[-1]))
        d.update(vae_attention(f"{part}.mid_block.attentions.0", ch[-1], deprecated))
        d.update(resnet(f"{part}.mid_block.resnets.1", ch[-1], ch[-1]))
    d.update({"encoder.conv_norm_out.weight": [ch[-1]], "encoder.conv_norm_out.bias": [ch[-1]]})
    d.update(conv("encoder.conv_out", 2 * lat, ch[-1], 3))
    d.update(conv("quant_conv", 2 * lat, 2 * lat, 1))
    d.update(conv("post_quant_conv", lat, lat, 1))
    d.update(conv("decoder.conv_in", ch[-1], lat, 3))
    rev, prev = list(reversed(ch)), ch[-1]
    for i in range(len(ch)):
        cout = rev[i]
        for j in range(layers + 1):
            d.update(resnet(f"decoder.up_blocks.{i}.resnets.{j}", prev if j == 0 else cout, cout))
        if i < len(ch) - 1:
            d.update(conv(f"decoder.up_blocks.{i}.upsamplers.0.conv", cout, cout, 3))
        prev = cout
    d.update({"decoder.conv_norm_out.weight": [ch[0]], "decoder.conv_norm_out.bias": [ch[0]]})
    d.update(conv("decoder.conv_out", cfg["out_channels"], ch[0], 3))
    return d


def random_state(shapes, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    return {k: torch.randn(s, generator=g).to(dtype) for k, s in sorted(shapes.items())}


def write_safetensors(path, state):
    header, offset, blobs = {}, 0, []
    for k, t in state.items():
        a = t.numpy().astype("<f4") if t.dtype == torch.float32 else t.numpy().astype("<f2")
        b = a.tobytes()
        header[k] = {"dtype": "F32" if t.dtype == torch.float32 else "F16", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


unet_cfg = {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.21.0", "sample_size": 8, "in_channels": 4,
            "out_channels": 4, "block_out_channels": [4, 8], "layers_per_block": 1,
            "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
            "cross_attention_dim": 4, "attention_head_dim": 2, "norm_num_groups": 4, "norm_eps": 1e-5,
            "flip_sin_to_cos": True, "freq_shift": 0, "act_fn": "silu", "center_input_sample": False}
vae_cfg = {"_class_name": "AutoencoderKL", "_diffusers_version": "0.21.0", "sample_size": 16, "in_channels": 3,
           "out_channels": 3, "down_block_types": ["DownEncoderBlock2D"] * 2, "up_block_types": ["UpDecoderBlock2D"] * 2,
           "block_out_channels": [4, 8], "layers_per_block": 1, "act_fn": "silu", "latent_channels": 4,
           "norm_num_groups": 4, "scaling_factor": 0.18215}

os.makedirs(os.path.join(HERE, "unet_tiny"), exist_ok=True)
os.makedirs(os.path.join(HERE, "vae_tiny"), exist_ok=True)
unet_state = random_state(unet_shapes(unet_cfg), torch.float16, 1)
torch.save(unet_state, os.path.join(HERE, "unet_tiny", "diffusion_pytorch_model.bin"))
json.dump(unet_cfg, open(os.path.join(HERE, "unet_tiny", "config.json"), "w"), indent=2)

vae_state_old = random_state(vae_shapes(vae_cfg, deprecated=True), torch.float32, 2)
renamed = {".query.": ".to_q.", ".key.": ".to_k.", ".value.": ".to_v.", ".proj_attn.": ".to_out.0."}
vae_state_new = {}
for k, t in vae_state_old.items():
    for old, new in renamed.items():
        k = k.replace(old, new)
    vae_state_new[k] = t
torch.save(vae_state_old, os.path.join(HERE, "vae_tiny", "diffusion_pytorch_model.bin"))
write_safetensors(os.path.join(HERE, "vae_tiny", "diffusion_pytorch_model.safetensors"), vae_state_new)
json.dump(vae_cfg, open(os.path.join(HERE, "vae_tiny", "config.json"), "w"), indent=2)

bad = dict(unet_state)
del bad["conv_out.bias"]
bad["text_projection.weight"] = torch.zeros(2, 2, dtype=torch.float16)
bad["conv_in.weight"] = torch.zeros(4, 3, 3, 3, dtype=torch.float16)
torch.save(bad, os.path.join(HERE, "unet_bad.bin"))

# The same name rules at Stable Diffusion 1.5's size (runwayml/stable-diffusion-v1-5 unet/ and vae/ config.json),
# names and shapes only, as diffusers' listing would print them: what a released SD-1.5 .bin holds (the VAE in the
# deprecated names, as those files have them).
sd15_unet = dict(unet_cfg, sample_size=64, block_out_channels=[320, 640, 1280, 1280], layers_per_block=2,
                 down_block_types=["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"], up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
                 cross_attention_dim=768, attention_head_dim=8, norm_num_groups=32)
sd15_vae = dict(vae_cfg, sample_size=512, block_out_channels=[128, 256, 512, 512], layers_per_block=2,
                down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4, norm_num_groups=32)
for name, shapes in (("sd15_unet_names.txt", unet_shapes(sd15_unet)), ("sd15_vae_names_deprecated.txt", vae_shapes(sd15_vae, deprecated=True))):
    with open(os.path.join(HERE, name), "w") as f:
        for k in sorted(shapes):
            f.write(f"{k} [{', '.join(str(d) for d in shapes[k])}]\n")

for name in sorted(os.listdir(HERE)):
    p = os.path.join(HERE, name)
    print(name, os.path.getsize(p) if os.path.isfile(p) else sorted((n, os.path.getsize(os.path.join(p, n))) for n in os.listdir(p)))
