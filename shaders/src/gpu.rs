//! The device: adapter selection, compiled pipelines, buffers, dispatch and readback.

use crate::error::{Result, ShaderError};
use crate::kernels::{self, Params};
use crate::ops::Kernel;
use spotproof_core::ops::OpKind;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wgpu::util::DeviceExt;

/// Output block edge of the matmul kernels (16×16 threads, 4×4 outputs each).
const BLOCK: u64 = 64;

/// A GPU device with every kernel compiled. Cloning shares the device (wgpu handles are
/// reference-counted).
#[derive(Clone)]
pub struct Gpu {
    device: wgpu::Device,
    queue: wgpu::Queue,
    adapter: wgpu::AdapterInfo,
    pipelines: HashMap<OpKind, wgpu::ComputePipeline>,
    errors: Arc<Mutex<Vec<String>>>,
}

/// Silences stderr while adapters are enumerated when `XDG_RUNTIME_DIR` is unset or relative:
/// wgpu enables every surface extension, so Mesa's device-select layer tries to reach a Wayland
/// compositor and libwayland prints "error: XDG_RUNTIME_DIR is invalid…", which means nothing to
/// a headless compute user. Anything else wgpu reports comes back as an error value.
fn quiet_wsi() -> Option<gag::Gag> {
    // libwayland's test: the variable must hold an absolute path.
    let invalid =
        std::env::var_os("XDG_RUNTIME_DIR").is_none_or(|d| !std::path::Path::new(&d).is_absolute());
    if cfg!(target_os = "linux") && invalid {
        gag::Gag::stderr().ok()
    } else {
        None
    }
}

/// One kernel launch: the kernel, its bind group and its grid.
#[derive(Clone)]
pub(crate) struct Dispatch {
    pub kernel: OpKind,
    pub bind_group: wgpu::BindGroup,
    pub groups: (u32, u32),
}

impl Gpu {
    /// Opens the first adapter of the platform's backend (Vulkan on Linux) and compiles the kernels.
    pub fn new() -> Result<Self> {
        Self::open(true)
    }

    /// Like [`Gpu::new`], but refuses a software adapter (a CPU-emulated device such as Mesa's
    /// lavapipe) with [`ShaderError::SoftwareAdapter`] before compiling anything: on a machine
    /// without a GPU the CPU reference is an order of magnitude faster than emulated kernels.
    pub fn new_hardware() -> Result<Self> {
        Self::open(false)
    }

    fn open(software: bool) -> Result<Self> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = if cfg!(target_os = "linux") {
            wgpu::Backends::VULKAN
        } else {
            wgpu::Backends::PRIMARY
        };
        let adapter = {
            let _quiet = quiet_wsi();
            let instance = wgpu::Instance::new(desc);
            pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                apply_limit_buckets: false,
            }))
        }
        .map_err(|e| ShaderError::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        if !software && info.device_type == wgpu::DeviceType::Cpu {
            return Err(ShaderError::SoftwareAdapter(info.name));
        }
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("spotproof"),
            required_features: wgpu::Features::empty(),
            required_limits: adapter.limits(),
            experimental_features: wgpu::ExperimentalFeatures::default(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| ShaderError::Device(e.to_string()))?;
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = errors.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut v) = sink.lock() {
                v.push(e.to_string());
            }
        }));
        let mut gpu = Self {
            device,
            queue,
            adapter: info,
            pipelines: HashMap::new(),
            errors,
        };
        for k in OpKind::ALL {
            let pipeline = gpu.compile(k)?;
            gpu.pipelines.insert(k, pipeline);
        }
        Ok(gpu)
    }

    /// The adapter's name (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)" for lavapipe).
    pub fn adapter_name(&self) -> &str {
        &self.adapter.name
    }

    /// The adapter's backend and driver, for reports.
    pub fn adapter_details(&self) -> String {
        format!(
            "{} ({:?}, {:?}, {})",
            self.adapter.name,
            self.adapter.backend,
            self.adapter.device_type,
            self.adapter.driver_info
        )
    }

    fn compile(&self, k: OpKind) -> Result<wgpu::ComputePipeline> {
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(k.name()),
                source: wgpu::ShaderSource::Wgsl(kernels::source(k).into()),
            });
        let pipeline = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(k.name()),
                layout: None,
                module: &module,
                entry_point: Some("main"),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                cache: None,
            });
        match pollster::block_on(scope.pop()) {
            Some(e) => Err(ShaderError::Wgpu {
                op: k.name(),
                message: e.to_string(),
            }),
            None => Ok(pipeline),
        }
    }

    /// A storage buffer holding `values`, readable by kernels and copyable out.
    pub(crate) fn storage<T: bytemuck::Pod>(
        &self,
        what: &'static str,
        values: &[T],
    ) -> Result<wgpu::Buffer> {
        self.check_size(what, std::mem::size_of_val(values) as u64)?;
        // wgpu rejects zero-sized bindings; an empty tensor gets one padding word.
        let bytes: &[u8] = bytemuck::cast_slice(values);
        let padded;
        let contents = if bytes.is_empty() {
            padded = [0u8; 4];
            &padded[..]
        } else {
            bytes
        };
        Ok(self
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(what),
                contents,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
            }))
    }

    /// A zeroed storage buffer of `words` 32-bit values.
    pub(crate) fn zeroed(&self, what: &'static str, words: usize) -> Result<wgpu::Buffer> {
        let size = 4 * words.max(1) as u64;
        self.check_size(what, size)?;
        Ok(self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(what),
            size,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        }))
    }

    fn check_size(&self, what: &'static str, size: u64) -> Result<()> {
        let limits = self.device.limits();
        let limit = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        if size > limit {
            Err(ShaderError::TooLarge { what, size, limit })
        } else {
            Ok(())
        }
    }

    /// Overwrites a buffer's start with `values`.
    pub(crate) fn write<T: bytemuck::Pod>(&self, buffer: &wgpu::Buffer, values: &[T]) {
        self.queue
            .write_buffer(buffer, 0, bytemuck::cast_slice(values));
    }

    /// Binds `params` (binding 0) and `buffers` (bindings 1..) for a launch of `kernel` over `grid`
    /// (rows × cols for matmuls, the element count for element-wise kernels).
    pub(crate) fn dispatch(
        &self,
        op: &dyn Kernel,
        params: Params,
        buffers: &[&wgpu::Buffer],
    ) -> Result<Dispatch> {
        let kernel = op.kind();
        let groups = if op.matmul() {
            (
                u64::from(params.n).div_ceil(BLOCK),
                u64::from(params.m).div_ceil(BLOCK),
            )
        } else {
            let wgs = op.workgroups(&params).max(1);
            let limit = u64::from(self.device.limits().max_compute_workgroups_per_dimension);
            let x = wgs.min(limit);
            (x, wgs.div_ceil(x))
        };
        let limit = u64::from(self.device.limits().max_compute_workgroups_per_dimension);
        if groups.0 > limit || groups.1 > limit {
            return Err(ShaderError::TooLarge {
                what: kernel.name(),
                size: groups.0.max(groups.1),
                limit,
            });
        }
        let uniform = self
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("params"),
                contents: bytemuck::bytes_of(&params),
                usage: wgpu::BufferUsages::UNIFORM,
            });
        let pipeline = &self.pipelines[&kernel];
        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: uniform.as_entire_binding(),
        }];
        entries.extend(
            buffers
                .iter()
                .enumerate()
                .map(|(i, b)| wgpu::BindGroupEntry {
                    binding: i as u32 + 1,
                    resource: b.as_entire_binding(),
                }),
        );
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(kernel.name()),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(ShaderError::Wgpu {
                op: kernel.name(),
                message: e.to_string(),
            });
        }
        Ok(Dispatch {
            kernel,
            bind_group,
            groups: (groups.0 as u32, groups.1 as u32),
        })
    }

    /// Encodes `dispatches` in order into one compute pass (wgpu orders them with barriers),
    /// copies `reads` into one staging buffer and submits once; returns each read as `i32`s.
    pub(crate) fn run(
        &self,
        dispatches: &[Dispatch],
        reads: &[(&wgpu::Buffer, usize)],
    ) -> Result<Vec<Vec<i32>>> {
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("step"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("step"),
                timestamp_writes: None,
            });
            for d in dispatches {
                pass.set_pipeline(&self.pipelines[&d.kernel]);
                pass.set_bind_group(0, &d.bind_group, &[]);
                pass.dispatch_workgroups(d.groups.0, d.groups.1, 1);
            }
        }
        let total: u64 = reads.iter().map(|(_, n)| 4 * *n as u64).sum();
        let staging = (total > 0).then(|| {
            self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("readback"),
                size: total,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        });
        if let Some(staging) = &staging {
            let mut offset = 0;
            for (buffer, n) in reads {
                let bytes = 4 * *n as u64;
                if bytes > 0 {
                    encoder.copy_buffer_to_buffer(buffer, 0, staging, offset, bytes);
                }
                offset += bytes;
            }
        }
        self.queue.submit([encoder.finish()]);
        let out = match &staging {
            Some(staging) => self.read_back(staging, reads)?,
            None => {
                self.wait()?;
                Vec::new()
            }
        };
        self.take_errors()?;
        Ok(out)
    }

    fn read_back(
        &self,
        staging: &wgpu::Buffer,
        reads: &[(&wgpu::Buffer, usize)],
    ) -> Result<Vec<Vec<i32>>> {
        let slice = staging.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.wait()?;
        rx.recv()
            .map_err(|e| ShaderError::Readback(e.to_string()))?
            .map_err(|e| ShaderError::Readback(e.to_string()))?;
        let view = slice
            .get_mapped_range()
            .map_err(|e| ShaderError::Readback(e.to_string()))?;
        let words: &[i32] = bytemuck::cast_slice(&view);
        let mut out = Vec::with_capacity(reads.len());
        let mut at = 0;
        for (_, n) in reads {
            out.push(words[at..at + n].to_vec());
            at += n;
        }
        drop(view);
        staging.unmap();
        Ok(out)
    }

    fn wait(&self) -> Result<()> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| ShaderError::Wgpu {
                op: "poll",
                message: e.to_string(),
            })
    }

    fn take_errors(&self) -> Result<()> {
        let mut errors = self
            .errors
            .lock()
            .map_err(|_| ShaderError::Readback("error sink poisoned".into()))?;
        match errors.drain(..).next() {
            Some(message) => Err(ShaderError::Wgpu {
                op: "submit",
                message,
            }),
            None => Ok(()),
        }
    }
}
