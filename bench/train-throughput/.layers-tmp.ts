import { conv2dGeometry } from '@smd/engine';
import { nativeKernels, nativeConvImplementation } from '@smd/native';
const N=128; const w0 = Number(process.argv[2] ?? 16);
const L: [number,number,number,number,number][] = [[1,28,w0,3,1],[w0,28,w0,3,1],[w0,28,2*w0,3,2],[w0,28,2*w0,1,2],[2*w0,14,2*w0,3,1],[2*w0,14,4*w0,3,2],[2*w0,14,4*w0,1,2],[4*w0,7,4*w0,3,1]];
const r=(n:number)=>Float32Array.from({length:n},()=>Math.random()-0.5);
for (const [cin,hw,cout,k,s] of L) {
  const g = conv2dGeometry([N,cin,hw,hw],[cout,cin,k,k],{stride:s,padding:k===3?1:0});
  const x=r(N*hw*hw*cin), w=r(cout*cin*k*k), dy=r(N*g.outH*g.outW*cout), y=new Float32Array(dy.length), dx=new Float32Array(x.length), dw=new Float32Array(w.length);
  const t=[0,0,0]; const reps=5;
  for (let i=-1;i<reps;i++){ let a=performance.now(); nativeKernels.conv2dForward({y,x,weight:w,bias:null,geom:g}); const f=performance.now()-a;
    dx.fill(0); a=performance.now(); nativeKernels.conv2dBackwardInput({dx,dy,weight:w,geom:g}); const b=performance.now()-a;
    dw.fill(0); a=performance.now(); nativeKernels.conv2dBackwardWeight({dweight:dw,dbias:null,dy,x,geom:g}); const c=performance.now()-a;
    if(i>=0){t[0]+=f;t[1]+=b;t[2]+=c;} }
  const fl=2*N*g.outH*g.outW*cout*cin*k*k/1e6;
  console.log(`${cin}->${cout} k${k} s${s} @${hw}: fwd ${(t[0]/reps).toFixed(2)}ms ${(fl/(t[0]/reps)).toFixed(0)}GF  bwdD ${(t[1]/reps).toFixed(2)}ms ${(fl/(t[1]/reps)).toFixed(0)}GF  bwdW ${(t[2]/reps).toFixed(2)}ms ${(fl/(t[2]/reps)).toFixed(0)}GF  ${nativeConvImplementation('backwardWeights',g)}`);
}
