import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

/**
 * A small helper over onnx-proto's generated ModelProto (ONNX v1.10 schema) to write test models by hand:
 * IR 7, opset 13, float32 tensors, initializers stored as little-endian raw bytes.
 */
const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const ATTRIBUTE = onnx.AttributeProto.AttributeType;

export type Dim = number | string;

export interface OnnxNode {
  op: string;
  inputs: string[];
  output: string;
  ints?: Record<string, number[]>;
  int?: Record<string, number>;
}

export class OnnxGraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private counter = 0;

  /** A fresh tensor name. */
  name(prefix = 't'): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  floats(dims: number[], values: Float32Array, name = this.name('w')): string {
    this.initializers.push({
      name,
      dims,
      dataType: FLOAT,
      rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    });
    return name;
  }

  int64s(values: number[], name = this.name('i')): string {
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  node(op: string, inputs: string[], attributes: Omit<OnnxNode, 'op' | 'inputs' | 'output'> = {}): string {
    const output = this.name(op.toLowerCase());
    const attribute: OnnxTypes.IAttributeProto[] = [
      ...Object.entries(attributes.ints ?? {}).map(([key, ints]) => ({
        name: key,
        type: ATTRIBUTE.INTS,
        ints,
      })),
      ...Object.entries(attributes.int ?? {}).map(([key, i]) => ({ name: key, type: ATTRIBUTE.INT, i })),
    ];
    this.nodes.push({ opType: op, input: inputs, output: [output], name: output, attribute });
    return output;
  }

  /** Renames the last node's output (graph outputs need their final names). */
  rename(from: string, to: string): string {
    for (const node of this.nodes) {
      node.output = (node.output ?? []).map((o) => (o === from ? to : o));
      node.input = (node.input ?? []).map((i) => (i === from ? to : i));
    }
    return to;
  }

  encode(options: {
    input: { name: string; dims: Dim[] };
    output: { name: string; dims: Dim[] };
  }): Uint8Array {
    const valueInfo = (name: string, dims: Dim[]) => ({
      name,
      type: {
        tensorType: {
          elemType: FLOAT,
          shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
        },
      },
    });
    const model = {
      irVersion: 7,
      producerName: 'kiln-test-fake-tagger',
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'fake_tagger',
        input: [valueInfo(options.input.name, options.input.dims)],
        output: [valueInfo(options.output.name, options.output.dims)],
        initializer: this.initializers,
        node: this.nodes,
      },
    };
    const problem = onnx.ModelProto.verify(model);
    if (problem) throw new Error(`invalid ONNX model: ${problem}`);
    return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
  }
}
